import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from crm import services
from crm.roles import Role

DEMO_USERS = [
    ("admin", Role.ADMINISTRATOR, "Ada", "Admin"),
    ("sales", Role.SALES_MANAGER, "Sam", "Seller"),
    ("accountant", Role.ACCOUNTANT, "Alex", "Ledger"),
]


class Command(BaseCommand):
    help = "Create the demo administrator and one user per role; print their passwords once."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Give existing demo users new passwords.")

    def handle(self, *args, reset=False, **options):
        User = get_user_model()
        lines = []
        for username, role, first, last in DEMO_USERS:
            user = User.objects.filter(username=username).first()
            if user and not reset:
                continue
            password = secrets.token_urlsafe(9)
            if user is None:
                services.user_create(
                    username=username,
                    role=role,
                    password=password,
                    first_name=first,
                    last_name=last,
                    email=f"{username}@example.com",
                )
            else:
                user.set_password(password)
                user.save(update_fields=["password"])
            lines.append(f"  {role:<14} {username:<11} {password}")
        if lines:
            self.stdout.write(self.style.SUCCESS("Demo users (shown once; `make users` resets them):"))
            self.stdout.write("\n".join(lines))
        else:
            self.stdout.write("Demo users exist already; `make users` gives them new passwords.")
