import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from complaints import services
from crm.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Ingest a raw RFC 822 email (a file, or - for standard input) as a complaint from its sender."

    def add_arguments(self, parser):
        parser.add_argument("source", help="Path to the .eml file, or - to read standard input.")

    def handle(self, *args, source, **options):
        if source == "-":
            raw = sys.stdin.buffer.read()
        else:
            path = Path(source)
            if not path.is_file():
                raise CommandError(f"No such file: {source}")
            raw = path.read_bytes()
        try:
            complaint, created = services.complaint_create_from_email(raw=raw)
        except ApplicationError as exc:
            raise CommandError(exc.message)
        verb = "Created" if created else "Already ingested as"
        self.stdout.write(f"{verb} {complaint.reference} (client {complaint.client_id}).")
