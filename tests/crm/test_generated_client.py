"""The schema is a contract: a Python client generated from it by a widely used generator
(openapi-python-client) logs in, upserts a client, records a purchase with an idempotency key and pages
through `updated_since`, against a running server."""

import importlib
import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone

from crm.roles import Role
from purchases.models import Purchase
from tests.conftest import PASSWORD, make_user
from tests.factories import ClientFactory, ProductFactory
from tests.purchases.conftest import demo_tiers

GENERATOR = Path(sys.executable).with_name("openapi-python-client")

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not GENERATOR.exists(), reason="openapi-python-client is not installed (make install)"),
]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """Generate the client once for the module, from the schema the server serves."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    root = tmp_path_factory.mktemp("genclient")
    schema = SchemaGenerator().get_schema(request=None, public=True)
    (root / "schema.json").write_bytes(OpenApiJsonRenderer().render(schema, renderer_context={}))
    env = {**os.environ, "PATH": f"{GENERATOR.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [str(GENERATOR), "generate", "--path", "schema.json", "--meta", "none", "--output-path", "crm_client"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module("crm_client")
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m == "crm_client" or m.startswith("crm_client.")]:
            del sys.modules[name]
        shutil.rmtree(root, ignore_errors=True)


def _cursor(next_url) -> str | None:
    if not next_url:
        return None
    return parse_qs(urlparse(str(next_url)).query)["cursor"][0]


def test_generated_client_logs_in_upserts_records_and_syncs(generated, live_server):
    from crm_client import AuthenticatedClient, Client
    from crm_client.api.v1 import (
        v1_auth_token_create,
        v1_clients_by_external_id_update,
        v1_clients_list,
        v1_purchases_create,
    )
    from crm_client.models import ClientWriteRequest, LineInputRequest, PurchaseCreateRequest, TokenRequestRequest
    from crm_client.types import UNSET

    seller = make_user("erp", Role.SALES_MANAGER, email="erp@example.com")
    demo_tiers()
    product = ProductFactory(unit_price="100.00", unit_cost="60.00")

    # log in
    anonymous = Client(base_url=live_server.url)
    issued = v1_auth_token_create.sync(
        client=anonymous, body=TokenRequestRequest(username="erp", password=PASSWORD, name="generated client")
    )
    assert issued.token
    api = AuthenticatedClient(base_url=live_server.url, token=issued.token, prefix="Token")

    # upsert a client by the ERP's key: created, then the same PUT changes nothing
    body = ClientWriteRequest(name="Print Shop Ltd", email="shop@example.com", manager=seller.pk)
    created = v1_clients_by_external_id_update.sync_detailed("ERP-1", client=api, body=body)
    assert created.status_code == 201, created.content
    again = v1_clients_by_external_id_update.sync_detailed("ERP-1", client=api, body=body)
    assert again.status_code == 200 and again.parsed.id == created.parsed.id

    # record a purchase with an idempotency key, twice: one purchase
    sale = PurchaseCreateRequest(client=created.parsed.id, lines=[LineInputRequest(product=product.sku, quantity="2")])
    first = v1_purchases_create.sync_detailed(client=api, body=sale, idempotency_key="erp-sale-1")
    replay = v1_purchases_create.sync_detailed(client=api, body=sale, idempotency_key="erp-sale-1")
    assert first.status_code == replay.status_code == 201, first.content
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.content == first.content
    assert Purchase.objects.count() == 1 and first.parsed.net_total

    # page through what changed since a moment ago
    since = timezone.now() - timedelta(seconds=1)
    for n in range(23):
        ClientFactory(manager=seller, name=f"Synced {n}")
    seen, cursor = [], None
    while True:
        page = v1_clients_list.sync(client=api, updated_since=since, page_size=10, cursor=cursor or UNSET)
        seen += [row.id for row in page.results]
        cursor = _cursor(page.next_)
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) >= 23
