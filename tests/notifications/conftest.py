import pytest

from tests.factories import ClientFactory, SegmentFactory


@pytest.fixture(autouse=True)
def notification_settings(settings, tmp_path):
    """SMS into a temp folder, fast retries, no ERP webhook unless a test sets one."""
    settings.NOTIFICATIONS = {
        **settings.NOTIFICATIONS,
        "SMS_BACKEND": "file",
        "SMS_FILE_DIR": str(tmp_path / "sms"),
        "ERP_WEBHOOK_URL": "",
        "ERP_WEBHOOK_SECRET": "s3cret",
        "MAX_ATTEMPTS": 3,
        "RETRY_BASE_SECONDS": 60,
        "LEASE_SECONDS": 300,
    }
    settings.SITE_URL = "http://crm.test"
    return settings.NOTIFICATIONS


@pytest.fixture
def sms_dir(notification_settings):
    from pathlib import Path

    return Path(notification_settings["SMS_FILE_DIR"])


@pytest.fixture
def segment(db):
    return SegmentFactory(name="Print shops", code="print-shops")


@pytest.fixture
def make_client(db):
    def make(**kwargs):
        return ClientFactory(**kwargs)

    return make
