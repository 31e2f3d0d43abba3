"""Who a ParcoursPro user is on e-ParcoursPro (Moodle).

One mapping for the whole platform: the Moodle username is the OpenID Connect `sub` claim,
the user's id as a string. It names nobody, survives a change of email address, and the
OpenID Connect provider's claims use this same function.
"""


def moodle_username(user) -> str:
    """The user's username on e-ParcoursPro (= OpenID Connect `sub`)."""
    return str(user.pk)
