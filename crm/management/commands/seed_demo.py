"""Fill the CRM with a lived-in demo: each app seeds its part in `<app>/demo.py` (`seed(rng, stdout)`).
Safe to run again: every seeder skips what is there already."""

import random

from django.core.management import call_command
from django.core.management.base import BaseCommand

from crm.registry import PARTS, _optional_module


class Command(BaseCommand):
    help = "Load demo data (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=20261123, help="Random seed, for repeatable data.")

    def handle(self, *args, seed, **options):
        call_command("setup_schedules", stdout=self.stdout)
        rng = random.Random(seed)
        for part in PARTS:
            module = _optional_module(f"{part}.demo")
            if module is not None:
                module.seed(rng=rng, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
