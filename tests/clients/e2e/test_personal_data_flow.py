"""An administrator opens a client's personal data from the card, downloads the export, confirms the erasure
(typing the id, then the browser's confirm dialog), and sees the erased client."""

import json
from pathlib import Path

import pytest
from django.urls import reverse

from clients.models import Client, PersonalDataAudit
from tests.factories import ClientFactory


@pytest.mark.django_db(transaction=True)
def test_administrator_exports_then_erases_a_client(page, login, administrator):
    client = ClientFactory(name="Petra Forgetme", email="petra@example.org")
    login(administrator)
    page.goto(reverse("clients:card", args=[client.pk]))
    page.click("#personal-data-link")
    page.wait_for_selector("#erase-form")
    with page.expect_download() as download:
        page.click("#personal-data-download")
    document = json.loads(Path(download.value.path()).read_text())
    assert document["sections"]["clients"][0]["email"] == "petra@example.org"
    page.fill("#id_confirm", str(client.pk))
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#erase-submit")
    page.wait_for_selector("#erased-banner")
    assert "Petra" not in page.inner_text("main")
    assert Client.objects.get(pk=client.pk).name == f"Erased client #{client.pk}"
    assert list(PersonalDataAudit.objects.order_by("id").values_list("action", flat=True)) == ["export", "erase"]
    page.goto(reverse("clients:card", args=[client.pk]))
    assert "personal data erased" in page.inner_text("#client-erased")
    assert page.csp_violations == []
