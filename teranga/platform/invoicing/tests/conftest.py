import pytest


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """PDFs go to a temporary MEDIA_ROOT; rendering after issue is off unless a test
    turns it on (it runs in the test's thread once the transaction commits)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.INVOICING_RENDER_ON_ISSUE = False
    yield
