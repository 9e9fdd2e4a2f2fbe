"""Role × endpoint × method: who gets past the door of every page and API endpoint, from one explicit table.

Every URL pattern the resolver knows (Django's admin aside: one entry for its door) must have a line in
MATRIX, so a new endpoint without one fails `test_every_endpoint_is_in_the_matrix`, naming it. A line says,
per HTTP method, which roles get in: anonymous (ANON), sales manager (SM), accountant (ACC), administrator
(ADM). Everyone else must be turned away: 401 or 403, or a redirect to the login page for an anonymous page
request. Getting in means anything else (200, 201, 302 elsewhere, 400 for an empty body, 404 for an object
that does not exist, 405): the role gate was passed. Path parameters take values from PATH_VALUES (objects
that do not exist), so no request changes anything.

Then the object-level rule (clients.services.rights.can_write_client, complaints.services.access): a sales
manager writing on another manager's client or its timeline, promises, tasks and complaints is refused
(403) on the page and in the API, and nothing is written."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client as PageClient
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.views import APIView

from clients.models import FollowUpTask, Interaction, Promise
from complaints.models import ComplaintComment, GoodwillGesture
from tests.complaints.factories import make_complaint
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

ANON, SM, ACC, ADM = "anonymous", "sales manager", "accountant", "administrator"
EVERYONE = frozenset({ANON, SM, ACC, ADM})
STAFF = frozenset({SM, ACC, ADM})
SM_ADM = frozenset({SM, ADM})
ACC_ADM = frozenset({ACC, ADM})
ADM_ONLY = frozenset({ADM})
SM_ONLY = frozenset({SM})
ACC_ONLY = frozenset({ACC})

# One line per URL pattern: {method: roles that get in}. Keep it sorted by area; adding an endpoint is adding
# its line here.
MATRIX: dict[str, dict[str, frozenset]] = {
    # --- core: login, dashboard, health, API auth and schema ---
    "": {"GET": STAFF},
    "healthz": {"GET": EVERYONE},
    "search/": {"GET": STAFF},  # each kind of hit only for the roles that may see it (tests/crm/test_search.py)
    "accounts/login/": {"GET": EVERYONE, "POST": EVERYONE},
    "accounts/logout/": {"POST": STAFF},
    "accounts/password/": {"GET": STAFF, "POST": STAFF},
    "accounts/password/done/": {"GET": STAFF},
    "accounts/tokens/": {"GET": STAFF, "POST": STAFF},  # your own tokens; administrators see everyone's
    "accounts/two-factor/": {"GET": STAFF, "POST": STAFF},
    "accounts/security/": {"GET": ADM_ONLY, "POST": ADM_ONLY},
    "accounts/language/": {"GET": STAFF, "POST": STAFF},
    "admin/": {"GET": ADM_ONLY},
    "api/v1/auth/token/": {"POST": EVERYONE},
    "api/v1/auth/tokens/": {"GET": STAFF, "POST": STAFF},
    "api/v1/auth/tokens/<int:pk>/": {"GET": STAFF, "DELETE": STAFF},  # others' tokens: 404 (administrators: any)
    "api/v1/auth/totp/": {"GET": STAFF, "POST": STAFF},
    "api/v1/security/policy/": {"GET": ADM_ONLY, "PUT": ADM_ONLY},
    "api/v1/me/": {"GET": STAFF},
    "api/v1/me/language/": {"GET": STAFF, "PUT": STAFF},
    "api/v1/users/": {"GET": ADM_ONLY},
    "api/v1/search/": {"GET": STAFF},
    "api/schema/": {"GET": STAFF},
    "api/docs/": {"GET": STAFF},
    "ops/": {"GET": ADM_ONLY},
    "api/v1/ops/": {"GET": ADM_ONLY},
    # --- login locks and slowdowns: administrators lift them ---
    "logins/": {"GET": ADM_ONLY},
    "logins/locks/<int:pk>/lift/": {"POST": ADM_ONLY},
    "logins/slowdowns/<int:pk>/lift/": {"POST": ADM_ONLY},
    "api/v1/login-locks/": {"GET": ADM_ONLY},
    "api/v1/login-locks/<int:pk>/": {"DELETE": ADM_ONLY},
    "api/v1/login-slowdowns/": {"GET": ADM_ONLY},
    "api/v1/login-slowdowns/<int:pk>/": {"DELETE": ADM_ONLY},
    # --- notifications outbox, inbox, print batches, templates ---
    "notifications/": {"GET": ADM_ONLY},
    "notifications/<int:pk>/retry/": {"POST": ADM_ONLY},
    "notifications/inbox/": {"GET": STAFF},
    "notifications/inbox/<int:pk>/read/": {"POST": STAFF},
    "notifications/inbox/read-all/": {"POST": STAFF},
    "notifications/print-batches/": {"GET": ADM_ONLY},
    "notifications/print-batches/<int:pk>/letters.pdf": {"GET": ADM_ONLY},
    "notifications/print-batches/<int:pk>/mailing-list.csv": {"GET": ADM_ONLY},
    "notifications/print-batches/<int:pk>/close/": {"POST": ADM_ONLY},
    "notifications/templates/": {"GET": ADM_ONLY},
    "notifications/templates/new/": {"GET": ADM_ONLY, "POST": ADM_ONLY},
    "notifications/templates/preview/": {"POST": ADM_ONLY},
    "notifications/templates/<int:pk>/": {"GET": ADM_ONLY, "POST": ADM_ONLY},
    "notifications/webhooks/": {"GET": ADM_ONLY, "POST": ADM_ONLY},
    "notifications/webhooks/<int:pk>/": {"GET": ADM_ONLY, "POST": ADM_ONLY},
    "notifications/webhooks/<int:pk>/rotate-secret/": {"POST": ADM_ONLY},
    "notifications/webhooks/events/<int:pk>/resend/": {"POST": ADM_ONLY},
    "notifications/news/": {"GET": ADM_ONLY},
    "notifications/news/new/": {"GET": ADM_ONLY, "POST": ADM_ONLY},
    "notifications/news/<int:pk>/": {"GET": ADM_ONLY},
    "notifications/news/<int:pk>/progress/": {"GET": ADM_ONLY},
    "notifications/news/<int:pk>/cancel/": {"POST": ADM_ONLY},
    "notifications/unsubscribe/<str:token>/": {"GET": EVERYONE, "POST": EVERYONE},
    "notifications/confirm/<str:token>/": {"GET": EVERYONE, "POST": EVERYONE},  # the client's own opt-in link
    "api/v1/notifications/": {"GET": ADM_ONLY},
    "api/v1/notifications/status/": {"GET": ADM_ONLY},
    "api/v1/notifications/<int:pk>/": {"GET": ADM_ONLY},
    "api/v1/notifications/<int:pk>/retry/": {"POST": ADM_ONLY},
    "api/v1/news/": {"GET": ADM_ONLY, "POST": ADM_ONLY},
    "api/v1/news/<int:pk>/": {"GET": ADM_ONLY},
    "api/v1/news/<int:pk>/progress/": {"GET": ADM_ONLY},
    "api/v1/news/<int:pk>/cancel/": {"POST": ADM_ONLY},
    "api/v1/inbox/": {"GET": STAFF},
    "api/v1/inbox/read-all/": {"POST": STAFF},
    "api/v1/inbox/<int:pk>/read/": {"POST": STAFF},
    "api/v1/print-batches/": {"GET": ADM_ONLY},
    "api/v1/print-batches/<int:pk>/close/": {"POST": ADM_ONLY},
    "api/v1/print-batches/<int:pk>/letters.pdf": {"GET": ADM_ONLY},
    "api/v1/print-batches/<int:pk>/mailing-list.csv": {"GET": ADM_ONLY},
    "api/v1/message-templates/": {"GET": ADM_ONLY, "POST": ADM_ONLY},
    "api/v1/message-templates/preview/": {"POST": ADM_ONLY},
    "api/v1/message-templates/<int:pk>/": {"GET": ADM_ONLY, "PUT": ADM_ONLY, "PATCH": ADM_ONLY},
    "api/v1/webhooks/subscriptions/": {"GET": ADM_ONLY, "POST": ADM_ONLY},
    "api/v1/webhooks/subscriptions/<int:pk>/": {
        "GET": ADM_ONLY,
        "PUT": ADM_ONLY,
        "PATCH": ADM_ONLY,
        "DELETE": ADM_ONLY,
    },
    "api/v1/webhooks/subscriptions/<int:pk>/rotate-secret/": {"POST": ADM_ONLY},
    "api/v1/webhooks/events/": {"GET": ADM_ONLY},
    "api/v1/webhooks/events/<int:pk>/resend/": {"POST": ADM_ONLY},
    "api/v1/webhooks/event-types/": {"GET": ADM_ONLY},
    # --- clients: accountants read billing details only ---
    "clients/": {"GET": STAFF},
    "clients/export.csv": {"GET": STAFF},
    "clients/new/": {"GET": SM_ADM, "POST": SM_ADM},
    "clients/duplicates/": {"GET": SM_ADM},
    "clients/merge/": {"GET": ADM_ONLY, "POST": ADM_ONLY},
    "clients/tasks/": {"GET": SM_ADM},
    "clients/tasks/<int:task_id>/<str:outcome>/": {"POST": SM_ADM},
    "clients/promises/<int:promise_id>/<str:outcome>/": {"POST": SM_ADM},
    "clients/import/": {"GET": SM_ADM, "POST": SM_ADM},
    "clients/import/<int:job_id>/": {"GET": SM_ADM, "POST": SM_ADM},
    "clients/import/<int:job_id>/progress/": {"GET": SM_ADM},
    "clients/<int:client_id>/": {"GET": STAFF},  # an accountant is sent on to the billing page
    "clients/<int:client_id>/billing/": {"GET": STAFF},
    "clients/<int:client_id>/edit/": {"GET": SM_ADM, "POST": SM_ADM},
    "clients/<int:client_id>/tab/overview/": {"GET": SM_ADM},
    "clients/<int:client_id>/tab/timeline/": {"GET": SM_ADM},
    "clients/<int:client_id>/tab/contacts/": {"GET": SM_ADM},
    "clients/<int:client_id>/tab/promises/": {"GET": SM_ADM},
    "clients/<int:client_id>/tab/tasks/": {"GET": SM_ADM},
    "clients/<int:client_id>/tab/history/": {"GET": SM_ADM},
    "clients/<int:client_id>/interactions/": {"POST": SM_ADM},
    "clients/<int:client_id>/promises/": {"POST": SM_ADM},
    "clients/<int:client_id>/tasks/": {"POST": SM_ADM},
    "clients/<int:client_id>/contacts/": {"POST": SM_ADM},
    "clients/<int:client_id>/consent/": {"POST": SM_ADM},
    "clients/<int:client_id>/reassign/": {"POST": SM_ADM},
    "clients/<int:client_id>/personal-data/": {"GET": ADM_ONLY},
    "clients/<int:client_id>/personal-data/export.json": {"GET": ADM_ONLY},
    "clients/<int:client_id>/personal-data/erase/": {"POST": ADM_ONLY},
    "api/v1/clients/": {"GET": STAFF, "POST": SM_ADM},
    "api/v1/clients/duplicates/": {"GET": SM_ADM},
    "api/v1/clients/by-external-id/<str:external_id>/": {"GET": SM_ADM, "PUT": SM_ADM},
    "api/v1/clients/<int:pk>/": {"GET": STAFF, "PUT": SM_ADM, "PATCH": SM_ADM},
    "api/v1/clients/<int:pk>/merge/": {"POST": ADM_ONLY},
    "api/v1/clients/<int:pk>/managers/": {"GET": SM_ADM},
    "api/v1/clients/<int:pk>/account/": {"GET": STAFF},
    "api/v1/clients/<int:pk>/interactions/": {"GET": SM_ADM, "POST": SM_ADM},
    "api/v1/clients/<int:pk>/promises/": {"GET": SM_ADM, "POST": SM_ADM},
    "api/v1/clients/<int:pk>/consents/": {"GET": SM_ADM, "POST": SM_ADM},
    "api/v1/clients/<int:pk>/personal-data/": {"GET": ADM_ONLY},
    "api/v1/clients/<int:pk>/personal-data/erase/": {"POST": ADM_ONLY},
    "api/v1/tasks/": {"GET": SM_ADM, "POST": SM_ADM},
    "api/v1/tasks/<int:pk>/complete/": {"POST": SM_ADM},
    "api/v1/tasks/<int:pk>/cancel/": {"POST": SM_ADM},
    "api/v1/promises/<int:pk>/keep/": {"POST": SM_ADM},
    "api/v1/promises/<int:pk>/break/": {"POST": SM_ADM},
    # --- the service record (crm/standards): failures, resolving them, the key-client rule ---
    "service/failures/": {"GET": STAFF},
    "service/failures/<int:pk>/resolve/": {"POST": SM_ADM},
    "service/clients/<int:client_id>/record/": {"GET": STAFF},
    "service/key-clients/": {"GET": ADM_ONLY, "POST": ADM_ONLY},
    "service/key-clients/flag/": {"POST": ADM_ONLY},
    "api/v1/service-failures/": {"GET": STAFF},
    "api/v1/service-failures/<int:pk>/resolve/": {"POST": SM_ADM},
    "api/v1/clients/<int:pk>/service-record/": {"GET": STAFF},
    "api/v1/key-client-rule/": {"GET": ADM_ONLY, "PUT": ADM_ONLY},
    "api/v1/key-client-flags/": {"POST": ADM_ONLY},
    "api/v1/segments/": {"GET": STAFF, "POST": ADM_ONLY},
    # --- internal requests: everyone asks; team members handle (object rule: services); admins set up teams ---
    "internal/": {"GET": STAFF, "POST": STAFF},
    "internal/teams/": {"GET": ADM_ONLY, "POST": ADM_ONLY},
    "internal/teams/<int:pk>/": {"GET": ADM_ONLY, "POST": ADM_ONLY},
    "internal/teams/<int:pk>/queue/": {"GET": STAFF},  # members of the team and administrators (403 else)
    "internal/kinds/<int:pk>/": {"POST": ADM_ONLY},
    "internal/requests/<int:pk>/": {"GET": STAFF},  # the requester, the team, administrators (404 else)
    "internal/requests/<int:pk>/take/": {"POST": STAFF},
    "internal/requests/<int:pk>/assign/": {"POST": STAFF},
    "internal/requests/<int:pk>/complete/": {"POST": STAFF},
    "internal/requests/<int:pk>/rate/": {"POST": STAFF},
    "api/v1/internal/teams/": {"GET": STAFF, "POST": ADM_ONLY},
    "api/v1/internal/teams/<int:pk>/": {"GET": STAFF, "PATCH": ADM_ONLY},
    "api/v1/internal/teams/<int:pk>/queue/": {"GET": STAFF},
    "api/v1/internal/kinds/": {"GET": STAFF, "POST": ADM_ONLY},
    "api/v1/internal/kinds/<int:pk>/": {"GET": STAFF, "PATCH": ADM_ONLY},
    "api/v1/internal/requests/": {"GET": STAFF, "POST": STAFF},
    "api/v1/internal/requests/<int:pk>/": {"GET": STAFF},
    "api/v1/internal/requests/<int:pk>/take/": {"POST": STAFF},
    "api/v1/internal/requests/<int:pk>/assign/": {"POST": STAFF},
    "api/v1/internal/requests/<int:pk>/complete/": {"POST": STAFF},
    "api/v1/internal/requests/<int:pk>/rate/": {"POST": STAFF},
    # --- purchases: catalogue, ledger, invoices ---
    "purchases/": {"GET": STAFF},
    "purchases/catalogue/": {"GET": STAFF},
    "purchases/catalogue/new/": {"GET": ADM_ONLY, "POST": ADM_ONLY},
    "purchases/catalogue/<int:pk>/edit/": {"GET": ADM_ONLY, "POST": ADM_ONLY},
    "purchases/catalogue/import/": {"GET": ADM_ONLY, "POST": ADM_ONLY},
    "purchases/categories/": {"GET": ADM_ONLY, "POST": ADM_ONLY},
    "purchases/categories/<int:pk>/": {"GET": ADM_ONLY, "POST": ADM_ONLY},
    "purchases/tiers/": {"GET": ADM_ONLY, "POST": ADM_ONLY},
    "purchases/tiers/<int:pk>/delete/": {"POST": ADM_ONLY},
    "purchases/tax-rates/": {"GET": ADM_ONLY, "POST": ADM_ONLY},
    "purchases/price-overrides/": {"GET": ADM_ONLY},
    "purchases/perks/": {"GET": STAFF, "POST": SM_ADM},
    "purchases/perks/kinds/": {"POST": ADM_ONLY},
    "purchases/perks/<int:pk>/end/": {"POST": SM_ADM},
    "purchases/client/<int:client_id>/perks/": {"GET": STAFF, "POST": SM_ADM},
    "purchases/record/": {"GET": SM_ADM, "POST": SM_ADM},
    "purchases/record/line/": {"GET": SM_ADM},
    "purchases/record/preview/": {"POST": SM_ADM},
    "purchases/<int:pk>/": {"GET": STAFF},
    "purchases/<int:pk>/return/": {"POST": SM_ADM},
    "purchases/<int:pk>/override/": {"POST": ADM_ONLY},
    "purchases/client/<int:client_id>/tab/": {"GET": STAFF},
    "purchases/invoices/": {"GET": STAFF},
    "purchases/invoices/request/": {"GET": SM_ONLY, "POST": SM_ONLY},
    "purchases/invoices/<int:pk>/": {"GET": STAFF},
    "purchases/invoices/<int:pk>/pdf/": {"GET": STAFF},
    "purchases/invoices/<int:pk>/<str:action>/": {"POST": ACC_ONLY},
    "purchases/credit-notes/": {"GET": STAFF},
    "purchases/credit-notes/<int:pk>/": {"GET": STAFF},
    "purchases/credit-notes/<int:pk>/issue/": {"POST": ACC_ONLY},
    "purchases/credit-notes/<int:pk>/pdf/": {"GET": STAFF},
    "purchases/credit-notes/<int:pk>/send/": {"POST": ACC_ONLY},
    "purchases/credit-notes/<int:pk>/refund/": {"POST": ACC_ONLY},
    "purchases/reconciliation/": {"GET": ACC_ADM},
    "purchases/reconciliation/run/": {"POST": ACC_ADM},
    "api/v1/products/": {"GET": STAFF, "POST": ADM_ONLY},
    "api/v1/products/by-sku/<str:sku>/": {"PUT": ADM_ONLY},
    "api/v1/products/<int:pk>/": {"GET": STAFF, "PUT": ADM_ONLY, "PATCH": ADM_ONLY},
    "api/v1/products/<int:pk>/weights/": {"GET": STAFF, "POST": ADM_ONLY},
    "api/v1/product-categories/": {"GET": STAFF, "POST": ADM_ONLY},
    "api/v1/product-categories/<int:pk>/": {"GET": STAFF, "PUT": ADM_ONLY, "PATCH": ADM_ONLY},
    "api/v1/discount-tiers/": {"GET": STAFF, "POST": ADM_ONLY},
    "api/v1/discount-policy/": {"GET": STAFF, "PUT": ADM_ONLY},
    "api/v1/discount-tiers/<int:pk>/": {"GET": STAFF, "PUT": ADM_ONLY, "PATCH": ADM_ONLY, "DELETE": ADM_ONLY},
    "api/v1/tax-rates/": {"GET": STAFF, "POST": ADM_ONLY},
    "api/v1/price-overrides/": {"GET": ADM_ONLY},
    "api/v1/perk-kinds/": {"GET": STAFF, "POST": ADM_ONLY},
    "api/v1/perk-kinds/<int:pk>/": {"GET": STAFF, "PUT": ADM_ONLY, "PATCH": ADM_ONLY},
    "api/v1/perks/": {"GET": STAFF, "POST": SM_ADM},
    "api/v1/perks/<int:pk>/end/": {"POST": SM_ADM},
    "api/v1/purchases/": {"GET": STAFF, "POST": SM_ADM},
    "api/v1/purchases/preview/": {"POST": SM_ADM},
    "api/v1/purchases/<int:pk>/": {"GET": STAFF},
    "api/v1/purchases/<int:pk>/returns/": {"POST": SM_ADM},
    "api/v1/purchases/<int:pk>/override/": {"POST": ADM_ONLY},
    "api/v1/invoices/": {"GET": STAFF, "POST": SM_ONLY},
    "api/v1/invoices/<int:pk>/": {"GET": STAFF},
    "api/v1/invoices/<int:pk>/claim/": {"POST": ACC_ONLY},
    "api/v1/invoices/<int:pk>/issue/": {"POST": ACC_ONLY},
    "api/v1/invoices/<int:pk>/send/": {"POST": ACC_ONLY},
    "api/v1/invoices/<int:pk>/void/": {"POST": ACC_ONLY},
    "api/v1/invoices/<int:pk>/payments/": {"GET": STAFF, "POST": ACC_ONLY},
    "api/v1/invoices/<int:pk>/refunds/": {"GET": STAFF, "POST": ACC_ONLY},
    "api/v1/credit-notes/<int:pk>/refunds/": {"GET": STAFF, "POST": ACC_ONLY},
    "api/v1/credit-notes/<int:pk>/send/": {"POST": ACC_ONLY},
    "api/v1/reconciliation/": {"GET": ACC_ADM, "POST": ACC_ADM},
    "api/v1/invoices/<int:pk>/pdf/": {"GET": STAFF},
    "api/v1/credit-notes/": {"GET": STAFF},
    "api/v1/credit-notes/<int:pk>/": {"GET": STAFF},
    "api/v1/credit-notes/<int:pk>/issue/": {"POST": ACC_ONLY},
    "api/v1/credit-notes/<int:pk>/pdf/": {"GET": STAFF},
    # --- complaints: handlers only (accountants see none), standards for everyone, public form and survey ---
    "complaints/": {"GET": SM_ADM},
    "complaints/list/": {"GET": SM_ADM},
    "complaints/new/": {"GET": STAFF, "POST": STAFF},  # everyone records a complaint and hands it over
    "complaints/<int:pk>/": {"GET": SM_ADM},
    "complaints/<int:pk>/transition/": {"POST": SM_ADM},
    "complaints/<int:pk>/triage/": {"POST": SM_ADM},
    "complaints/<int:pk>/assign/": {"POST": SM_ADM},
    "complaints/<int:pk>/comment/": {"POST": SM_ADM},
    "complaints/<int:pk>/goodwill/": {"POST": SM_ADM},
    "complaints/client/<int:client_id>/tab/": {"GET": SM_ADM},
    "complaints/systematization/": {"GET": SM_ADM},
    "complaints/triage-queue/": {"GET": SM_ADM},  # anonymous complaints matching a client
    "complaints/<int:pk>/client-match/": {"POST": SM_ADM},
    "complaints/standards/": {"GET": STAFF},
    "complaints/standards/targets/": {"POST": ADM_ONLY},
    "complaints/standards/target-versions/": {"POST": ADM_ONLY},
    "complaints/standards/service-targets/": {"POST": ADM_ONLY},
    "complaints/standards/calendar/": {"POST": ADM_ONLY},
    "complaints/standards/holidays/": {"POST": ADM_ONLY},
    "complaints/standards/holidays/<int:pk>/delete/": {"POST": ADM_ONLY},
    "complaints/standards/categories/": {"POST": ADM_ONLY},
    "complaints/standards/documents/": {"POST": ADM_ONLY},
    "complaints/standards/documents/<int:pk>/": {"GET": STAFF},
    "complaints/standards/documents/<int:pk>/publish/": {"POST": ADM_ONLY},
    "complaints/standards/documents/<int:pk>/acknowledge/": {"POST": STAFF},
    "complaints/standards/compliance/": {"GET": STAFF},
    "complaints/submit/": {"GET": EVERYONE, "POST": EVERYONE},
    "complaints/submit/thanks/": {"GET": EVERYONE},
    "complaints/survey/<str:token>/": {"GET": EVERYONE, "POST": EVERYONE},
    "api/v1/complaints/": {"GET": SM_ADM, "POST": STAFF},  # accountants record (POST) only
    "api/v1/complaints/inbound-email/": {"POST": SM_ADM},
    "api/v1/complaints/client-matches/": {"GET": SM_ADM},
    "api/v1/complaints/<int:pk>/client-match/confirm/": {"POST": SM_ADM},
    "api/v1/complaints/<int:pk>/client-match/reject/": {"POST": SM_ADM},
    "api/v1/complaints/figures/compliance/": {"GET": STAFF},  # as the compliance page
    "api/v1/complaints/figures/systematization/": {"GET": SM_ADM},
    "api/v1/complaints/<int:pk>/": {"GET": SM_ADM},
    "api/v1/complaints/<int:pk>/transition/": {"POST": SM_ADM},
    "api/v1/complaints/<int:pk>/triage/": {"POST": SM_ADM},
    "api/v1/complaints/<int:pk>/assign/": {"POST": SM_ADM},
    "api/v1/complaints/<int:pk>/comments/": {"GET": SM_ADM, "POST": SM_ADM},
    "api/v1/complaints/<int:pk>/goodwill/": {"GET": SM_ADM, "POST": SM_ADM},
    "api/v1/service-standards/": {"GET": STAFF, "POST": ADM_ONLY},
    "api/v1/complaint-categories/": {"GET": STAFF, "POST": ADM_ONLY},  # as on the standards page
    "api/v1/complaint-categories/<int:pk>/": {"GET": STAFF, "PUT": ADM_ONLY, "PATCH": ADM_ONLY},
    "api/v1/complaint-response-targets/": {"GET": STAFF, "POST": ADM_ONLY},
    "api/v1/standards/documents/": {"GET": STAFF, "POST": ADM_ONLY},
    "api/v1/standards/documents/<int:pk>/": {"GET": STAFF},
    "api/v1/standards/documents/<int:pk>/publish/": {"POST": ADM_ONLY},
    "api/v1/standards/documents/<int:pk>/acknowledge/": {"POST": STAFF},
    "api/v1/standards/acknowledgements/": {"GET": ADM_ONLY},
    "api/v1/standards/calendar/": {"GET": STAFF, "PUT": ADM_ONLY},
    "api/v1/standards/holidays/": {"GET": STAFF, "POST": ADM_ONLY},
    "api/v1/standards/holidays/<int:pk>/": {"GET": STAFF, "DELETE": ADM_ONLY},
    "api/v1/standards/service-targets/": {"GET": STAFF, "PUT": ADM_ONLY},
    "api/v1/standards/target-versions/": {"GET": STAFF, "POST": ADM_ONLY},
    "api/v1/standards/target-quarter/": {"GET": STAFF},
    "api/v1/surveys/<str:token>/": {"GET": EVERYONE, "POST": EVERYONE},
    # --- incentives: award cash amounts are narrowed per row (tests/incentives/test_api.py) ---
    "incentives/": {"GET": SM_ADM},
    "incentives/close/": {"POST": ADM_ONLY},
    "incentives/awards/": {"GET": STAFF},
    "incentives/awards/<int:pk>/<str:decision>/": {"POST": ADM_ONLY},
    "incentives/awards/payroll.csv": {"GET": ACC_ADM},
    "incentives/setup/": {"GET": ADM_ONLY, "POST": ADM_ONLY},
    "incentives/setup/<str:form_name>/": {"GET": ADM_ONLY, "POST": ADM_ONLY},
    "incentives/service/": {"GET": STAFF},  # service to colleagues: every role is scored or serves
    "api/v1/incentives/service-leaderboard/": {"GET": STAFF},
    "api/v1/incentives/leaderboard/": {"GET": SM_ADM},
    "api/v1/incentives/plans/": {"GET": SM_ADM, "POST": ADM_ONLY},
    "api/v1/incentives/award-types/": {"GET": STAFF, "POST": ADM_ONLY},
    "api/v1/incentives/award-rules/": {"GET": SM_ADM, "POST": ADM_ONLY},
    "api/v1/incentives/awards/": {"GET": STAFF},
    "api/v1/incentives/awards/<int:pk>/approve/": {"POST": ADM_ONLY},
    "api/v1/incentives/awards/<int:pk>/reject/": {"POST": ADM_ONLY},
    "api/v1/incentives/period-closes/": {"GET": SM_ADM, "POST": ADM_ONLY},
    "api/v1/incentives/settings/": {"GET": ADM_ONLY, "PUT": ADM_ONLY},
    "api/v1/incentives/credit-splits/<int:purchase>/": {"GET": ADM_ONLY, "PUT": ADM_ONLY},
    # --- reports (kind "value", which every staff role reads; rows are narrowed per role in the selectors) ---
    # --- client surveys after purchases and consultations: the public answer (token), the staff list ---
    "surveys/<str:token>/": {"GET": EVERYONE, "POST": EVERYONE},
    "api/v1/client-surveys/": {"GET": SM_ADM},
    "api/v1/client-surveys/answer/<str:token>/": {"GET": EVERYONE, "POST": EVERYONE},
    "reports/": {"GET": STAFF},
    "reports/generate/": {"POST": ADM_ONLY},
    "reports/satisfaction/": {"GET": SM_ADM},
    "reports/runs/": {"GET": ADM_ONLY},
    "reports/<slug:kind>/": {"GET": STAFF},
    "reports/<slug:kind>/csv/": {"GET": STAFF},
    "api/v1/reports/": {"GET": STAFF},
    "api/v1/reports/generate/": {"POST": ADM_ONLY},
    "api/v1/reports/satisfaction/": {"GET": SM_ADM},
    "api/v1/reports/runs/": {"GET": ADM_ONLY, "POST": ADM_ONLY},
    "api/v1/reports/runs/<int:pk>/": {"GET": ADM_ONLY},
    "api/v1/reports/<slug:kind>/": {"GET": STAFF},
    "api/v1/reports/<slug:kind>/snapshots/": {"GET": STAFF},
    "api/v1/reports/<slug:kind>/snapshots/<int:pk>/": {"GET": STAFF},
    "api/v1/reports/<slug:kind>/snapshots/<int:pk>/rows/": {"GET": STAFF},
    "api/v1/reports/<slug:kind>/snapshots/<int:pk>/csv/": {"GET": STAFF},
}

# Values for path parameters: objects that do not exist (so nothing is changed), and a report every staff
# role may open. A new parameter name needs a value here.
PATH_VALUES = {
    "int": "999999",
    "kind": "value",
    "outcome": "done",
    "action": "issue",
    "decision": "approve",
    "form_name": "no-such-form",
    "token": "no-such-token",
    "external_id": "MATRIX-ERP-1",
    "sku": "MATRIX-SKU-1",
}
# The Django admin is one door (its own login; the site is for administrators): only its index is listed.
ADMIN_PREFIX = "admin/"
LOGOUT = "accounts/logout/"
BODY_METHODS = {"POST", "PUT", "PATCH"}
# Pages under api/: the browser opens them with its session (a token is not a login for a page).
API_PAGES = {"api/docs/"}


def _routes(patterns=None, prefix=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route == ADMIN_PREFIX:
                yield route, None
                continue
            yield from _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.callback


def _view_name(callback) -> str:
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    target = cls or callback
    return f"{target.__module__}.{target.__qualname__}" if target else "django.contrib.admin"


def _api_methods(callback) -> set[str] | None:
    """The methods a DRF view implements (None for other views, whose methods the table states)."""
    cls = getattr(callback, "cls", None)
    if cls is None or not issubclass(cls, APIView):
        return None
    return {m.upper() for m in ("get", "post", "put", "patch", "delete") if hasattr(cls, m)}


def _url(route: str) -> str:
    def value(match):
        converter, name = match.group(1), match.group(2)
        return PATH_VALUES.get(name) or PATH_VALUES[converter]

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, route)


def test_every_endpoint_is_in_the_matrix():
    routes = dict(_routes())
    missing = [
        f'    "{route}": {{"GET": ...}},  # {_view_name(callback)}'
        for route, callback in routes.items()
        if route not in MATRIX
    ]
    assert not missing, (
        "Every endpoint must be in the matrix: add a line to MATRIX in tests/crm/test_permission_matrix.py "
        "saying which roles get in for each method:\n" + "\n".join(missing)
    )
    stale = sorted(set(MATRIX) - set(routes))
    assert not stale, f"MATRIX lists routes that no longer exist: {stale}"
    wrong_methods = []
    for route, callback in routes.items():
        implemented = _api_methods(callback)
        if implemented is not None and implemented != set(MATRIX[route]):
            wrong_methods.append(
                f"{route}: the view answers {sorted(implemented)}, MATRIX lists {sorted(MATRIX[route])}"
            )
    assert not wrong_methods, "Every method of an API view needs its line:\n" + "\n".join(wrong_methods)


def _outcome(response) -> str:
    """ "denied" (401, 403, or a page sending an anonymous visitor to log in) or "in"."""
    if response.status_code in (401, 403):
        return "denied"
    if response.status_code == 302:
        location = response.headers.get("Location", "")
        login_pages = (resolve_url(settings.LOGIN_URL), "/admin/login/")
        if location.startswith(login_pages) and "next=" in location:
            return "denied"
    return "in"


@pytest.fixture
def callers(sales_manager, accountant, administrator, api_client_for):
    """For each role, (page client, API client): pages with a session, the API with a token."""
    users = {SM: sales_manager, ACC: accountant, ADM: administrator}
    result = {ANON: (PageClient(), APIClient(), None)}
    for role, user in users.items():
        page = PageClient()
        page.force_login(user)
        result[role] = (page, api_client_for(user), user)
    return result


def _call(client, method: str, url: str, *, api: bool):
    kwargs = {"format": "json"} if api and method in BODY_METHODS else {}
    return getattr(client, method.lower())(url, {} if method in BODY_METHODS else None, **kwargs)


@pytest.mark.parametrize("role", [ANON, SM, ACC, ADM])
def test_each_role_gets_in_exactly_where_the_matrix_says(role, callers):
    page_client, api_client, user = callers[role]
    wrong = []
    for route, methods in MATRIX.items():
        url = _url(route)
        for method, allowed in methods.items():
            api = route.startswith("api/") and route not in API_PAGES
            client = api_client if api else page_client
            if route == LOGOUT and user is not None:
                client = PageClient()  # logging out must not end the session the other requests use
                client.force_login(user)
            response = _call(client, method, url, api=api)
            expected = "in" if role in allowed else "denied"
            got = _outcome(response)
            if got != expected:
                wrong.append(f"{method} {url}: expected {expected}, got {got} ({response.status_code})")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


# --- object level: a sales manager may not write on a colleague's client, page or API --------------------


@pytest.fixture
def theirs(other_sales_manager):
    """A client of another manager, with a complaint routed to that manager."""
    client = ClientFactory(manager=other_sales_manager, name="Theirs")
    return client, make_complaint(client=client)


def _nothing_written(client, complaint):
    client.refresh_from_db()
    complaint.refresh_from_db()
    assert client.name == "Theirs"
    assert not Interaction.objects.exists() and not Promise.objects.exists() and not FollowUpTask.objects.exists()
    assert complaint.status == "new" and not ComplaintComment.objects.exists()
    assert not GoodwillGesture.objects.exists()


def test_sales_manager_writing_on_a_colleagues_client_is_refused_on_every_page(sm_client, sales_manager, theirs):
    client, complaint = theirs
    due = (timezone.localdate() + timedelta(days=3)).isoformat()
    writes = {
        f"/clients/{client.pk}/edit/": {"name": "Changed", "kind": "company"},
        f"/clients/{client.pk}/interactions/": {"kind": "call", "summary": "Hello"},
        f"/clients/{client.pk}/promises/": {"text": "A quote", "due_date": due},
        f"/clients/{client.pk}/tasks/": {"kind": "call_back", "title": "Call", "due_date": due},
        f"/complaints/{complaint.pk}/transition/": {"to_status": "in_progress"},
        f"/complaints/{complaint.pk}/triage/": {"severity": "high", "kind": "complaint"},
        f"/complaints/{complaint.pk}/assign/": {"assigned_to": sales_manager.pk},
        f"/complaints/{complaint.pk}/comment/": {"body": "Hello"},
        f"/complaints/{complaint.pk}/goodwill/": {"kind": "gift", "cost": "5"},
    }
    assert sm_client.get(f"/clients/{client.pk}/edit/").status_code == 403
    refused = {url: sm_client.post(url, data).status_code for url, data in writes.items()}
    assert refused == dict.fromkeys(writes, 403)
    _nothing_written(client, complaint)


def test_sales_manager_writing_on_a_colleagues_client_is_refused_in_the_api(sm_api, theirs):
    client, complaint = theirs
    due = (timezone.localdate() + timedelta(days=3)).isoformat()
    writes = [
        ("patch", f"/api/v1/clients/{client.pk}/", {"name": "Changed"}),
        ("put", f"/api/v1/clients/{client.pk}/", {"name": "Changed"}),
        ("post", f"/api/v1/clients/{client.pk}/interactions/", {"kind": "call", "summary": "Hello"}),
        ("post", f"/api/v1/clients/{client.pk}/promises/", {"text": "A quote", "due_date": due}),
        ("post", "/api/v1/tasks/", {"client": client.pk, "title": "Call", "due_date": due}),
        ("post", f"/api/v1/complaints/{complaint.pk}/transition/", {"to_status": "in_progress"}),
        ("post", f"/api/v1/complaints/{complaint.pk}/comments/", {"body": "Hello"}),
        ("post", f"/api/v1/complaints/{complaint.pk}/goodwill/", {"kind": "gift", "cost": "5"}),
    ]
    refused = {f"{m} {url}": getattr(sm_api, m)(url, data, format="json").status_code for m, url, data in writes}
    assert refused == {f"{m} {url}": 403 for m, url, _ in writes}
    _nothing_written(client, complaint)


def test_the_same_writes_pass_on_the_managers_own_client(api_client_for, other_sales_manager, theirs):
    """The refusals above are the object rule, not a broken endpoint: the client's own manager gets in."""
    client, complaint = theirs
    api = api_client_for(other_sales_manager)
    due = (timezone.localdate() + timedelta(days=3)).isoformat()
    assert api.post(f"/api/v1/clients/{client.pk}/interactions/", {"kind": "call", "summary": "Hi"}).status_code == 201
    assert api.post("/api/v1/tasks/", {"client": client.pk, "title": "Call", "due_date": due}).status_code == 201
    assert api.post(f"/api/v1/complaints/{complaint.pk}/comments/", {"body": "Hello"}).status_code == 201
