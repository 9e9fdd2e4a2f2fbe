from django.contrib.auth import get_user_model

from crm import auth_tokens, services
from crm.models import ApiToken
from crm.roles import Role

STAFF = [
    ("maria", Role.SALES_MANAGER, "Maria", "Novak"),
    ("tom", Role.SALES_MANAGER, "Tom", "Fischer"),
    ("lena", Role.SALES_MANAGER, "Lena", "Berg"),
    ("omar", Role.SALES_MANAGER, "Omar", "Haddad"),
    ("petra", Role.ACCOUNTANT, "Petra", "Kuhn"),
    ("victor", Role.ADMINISTRATOR, "Victor", "Stone"),
]


def seed(*, rng, stdout) -> None:
    User = get_user_model()
    made = 0
    for username, role, first, last in STAFF:
        if not User.objects.filter(username=username).exists():
            services.user_create(
                username=username,
                role=role,
                first_name=first,
                last_name=last,
                email=f"{username}@example.com",
            )
            made += 1
    stdout.write(f"Staff: {made} created.")
    # The ERP's token and a revoked laptop token, so the API tokens page shows how tokens live. The keys are
    # not printed: make your own on /accounts/tokens/.
    admin = User.objects.get(username="victor")
    if not ApiToken.objects.filter(user=admin).exists():
        auth_tokens.token_issue(user=admin, name="ERP integration", expires_in_days=90)
        old = auth_tokens.token_issue(user=admin, name="old laptop")
        auth_tokens.token_revoke(token=old.token, by=admin, reason="laptop replaced")
