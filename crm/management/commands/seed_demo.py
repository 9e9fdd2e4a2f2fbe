"""Fill the CRM with a lived-in demo: the staff first, then each app's part, contributed through crm.registry
in layer order (`seed(rng, stdout)`). Safe to run again: every seeder skips what is there already."""

import random

from django.core.management import call_command
from django.core.management.base import BaseCommand

from crm import demo as staff_demo
from crm import registry


class Command(BaseCommand):
    help = "Load demo data (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=20261123, help="Random seed, for repeatable data.")

    def handle(self, *args, seed, **options):
        call_command("setup_schedules", stdout=self.stdout)
        rng = random.Random(seed)
        staff_demo.seed(rng=rng, stdout=self.stdout)
        for seed_part in registry.demo_seeders():
            seed_part(rng=rng, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
