"""Who a ParcoursPro user is on e-ParcoursPro (Moodle), and how their account stays theirs.

How Moodle's login finds an account (`auth/oauth2/classes/auth.php`, `complete_login`):
1. Moodle's « username » for the login is the claim mapped to `username`; no mapping does so
   by default (`core\\oauth2\\discovery\\openidconnect::create_field_mappings`), so it is the
   email (`core\\oauth2\\client::map_userinfo_to_fields`: `if (empty($user->username) &&
   !empty($user->email)) $user->username = $user->email;`), lower-cased.
2. A linked login (issuer, that username) leads to its account.
3. Otherwise an account with the same email (`core_user::get_user_by_email`) is linked and
   used (without confirmation when « Require email verification » is off).
4. Otherwise a new account is created — or the login refused when an account already has
   that username (`accountexists`).

A `sub` → username mapping added by hand would make step 1 stable, but Moodle deletes every
mapping whenever it runs discovery (`create_field_mappings` starts by deleting them). So
ParcoursPro does not depend on it: it keeps the account's email equal to the person's
(step 3 then finds it after any change of address), and finds the account itself by
`username` = `idnumber` = the account number, which never change.
"""

from __future__ import annotations

from .moodle import MoodleClient, MoodleError

EMAIL_TAKEN = "email_taken"


def login_email(person) -> str:
    """The address Moodle sees at the login (the `email` claim: the person's primary address,
    in lower case): the one its account must have."""
    return person.email.strip().lower()


def moodle_username(user) -> str:
    """The user's account number, ParcoursPro's key to their e-ParcoursPro account: the
    `username` and `idnumber` of the account ParcoursPro creates (and the OpenID Connect
    `sub`)."""
    return str(user.pk)


def find_account(client: MoodleClient, number: str, *, email: str = "") -> dict | None:
    """The person's account: by username (an account ParcoursPro created), by idnumber (one
    it adopted), then by their current email (one Moodle's login created before any
    enrolment). Needs moodle/user:viewalldetails (username, idnumber) and
    moodle/site:viewuseridentity (email): `core_user_get_users_by_field` leaves out an
    account whose searched field the token cannot see."""
    for field, value in (("username", number), ("idnumber", number), ("email", email)):
        if value:
            found = client.users_by_field(field, value)
            if found:
                return found[0]
    return None


def _desired(person, *, fallback_names=("", "")) -> dict:
    first_name = person.first_name or fallback_names[0]
    last_name = person.last_name or fallback_names[1]
    fields = {"email": login_email(person)}
    if first_name:
        fields["firstname"] = first_name
    if last_name:
        fields["lastname"] = last_name
    return fields


def sync_account(
    client: MoodleClient, account: dict, person, *, number: str, force: bool = False
) -> list[str]:
    """Make the account's email and names the person's, and give an adopted account the
    person's number as idnumber (when it has none). Compares what Moodle let the token see
    of the account; `force` (the person changed them) sends them all. Returns the fields sent
    (none when all agree). Refuses (`EMAIL_TAKEN`) when another account holds the person's
    address: Moodle's update would skip it silently, and logins would land on that other
    account."""
    changes = {
        key: value
        for key, value in _desired(person).items()
        if force or (key in account and str(account[key]).lower() != str(value).lower())
    }
    # An account ParcoursPro did not create (found by its address) gets the person's number.
    if not account.get("idnumber") and account.get("username") != number:
        changes["idnumber"] = number
    if not changes:
        return []
    if "email" in changes:
        others = [
            other
            for other in client.users_by_field("email", login_email(person))
            if other["id"] != account["id"]
        ]
        if others:
            raise MoodleError(
                EMAIL_TAKEN,
                f"L'adresse {login_email(person)} est déjà celle d'un autre compte e-ParcoursPro "
                f"(id {others[0]['id']}) : le compte id {account['id']} ne peut pas la prendre.",
            )
    warnings = client.update_user(account["id"], **changes)
    if warnings:
        raise MoodleError(
            "update_warning",
            "Moodle n'a pas mis le compte à jour : "
            + " ; ".join(str(w.get("message", w)) for w in warnings),
        )
    return sorted(changes)


def ensure_account(client: MoodleClient, person, *, number: str, fallback_names=("", "")) -> int:
    """The Moodle id of the person's account, found (and brought up to date) or created:
    auth « oauth2 » (no Moodle password), username and idnumber the account number. If
    another job created it meanwhile, Moodle refuses the duplicate: that account is theirs."""
    account = find_account(client, number, email=login_email(person))
    if account is not None:
        sync_account(client, account, person, number=number)
        return account["id"]
    fields = _desired(person, fallback_names=fallback_names)
    try:
        return client.create_user(
            username=number,
            firstname=fields.get("firstname", "-"),
            lastname=fields.get("lastname", "-"),
            email=login_email(person),
            idnumber=number,
        )
    except MoodleError:
        account = find_account(client, number, email=login_email(person))
        if account is None:
            raise
        sync_account(client, account, person, number=number)
        return account["id"]
