"""e-ParcoursPro knows a person by one name: the account Moodle's web services create and the
account Moodle's OAuth 2 login maps (`sub` → username) are the same one."""

import pytest

from accounts.oidc import OIDCAdapter, register_e_parcourspro_client
from elearning.identity import moodle_username
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_enrolled_username_is_the_login_subject():
    client, _ = register_e_parcourspro_client(
        redirect_uri="https://e-parcourspro.example/admin/oauth2callback.php",
        client_id="e-parcourspro",
    )
    for user in UserFactory.create_batch(3):
        claims = OIDCAdapter().get_claims("id_token", user, client, ["openid"])
        assert claims["sub"] == moodle_username(user)
        user.email = f"nouvelle-{user.pk}@example.test"
        user.save()
        assert OIDCAdapter().get_claims("id_token", user, client, ["openid"])["sub"] == (
            moodle_username(user)
        ), "an email change must not change the Moodle account"
