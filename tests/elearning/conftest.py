import pytest

from tests.elearning.fake_moodle import FakeMoodle

TOKEN = "jeton-de-test-0123456789abcdef"


@pytest.fixture
def moodle(settings):
    """A Moodle speaking the REST protocol on a local port, with course 42; ParcoursPro's
    settings point at it, with its token."""
    server = FakeMoodle(token=TOKEN, courses=[42]).start()
    settings.E_PARCOURSPRO_URL = server.url
    settings.E_PARCOURSPRO_WS_TOKEN = TOKEN
    settings.E_PARCOURSPRO_STUDENT_ROLE_ID = 5
    settings.E_PARCOURSPRO_WS_TIMEOUT = 1.0
    yield server
    server.stop()
