from django.core.management.base import BaseCommand, CommandError

from purchases import selectors


class Command(BaseCommand):
    help = "Recompute every client's cumulative total from the ledger (in SQL) and report any drift."

    def handle(self, *args, **options):
        drift = selectors.ledger_drift()
        for row in drift:
            self.stdout.write(
                f"client {row['client_id']}: account {row['account_total']} != ledger {row['ledger_total']}"
            )
        if drift:
            raise CommandError(f"{len(drift)} client(s) drift from the ledger.")
        self.stdout.write(self.style.SUCCESS("Ledger verified: every client's total equals the ledger."))
