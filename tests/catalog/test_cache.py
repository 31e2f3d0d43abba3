import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


def test_catalogue_results_are_cached_per_url(client):
    """The results block is rendered once per URL for CATALOGUE_CACHE_SECONDS."""
    SessionFactory.create_batch(3)
    url = reverse("catalog:catalogue") + "?q=Action"
    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as second:
        response = client.get(url)
    assert len(second) < len(first)
    assert "3 actions trouvées" in response.content.decode()
    other = client.get(reverse("catalog:catalogue") + "?q=introuvable")
    assert "Aucune action ne correspond" in other.content.decode()


def test_cache_can_be_switched_off(client, settings):
    settings.CATALOGUE_CACHE_SECONDS = 0
    SessionFactory()
    client.get(reverse("catalog:catalogue"))
    SessionFactory()
    assert "2 actions trouvées" in client.get(reverse("catalog:catalogue")).content.decode()
