"""What browser tests do on a page: log in through the form, check accessibility with axe-core."""

import pytest

BLOCKING_IMPACTS = {"serious", "critical"}


def accessibility_violations(page, *, context=None) -> list[dict]:
    """axe-core violations of impact serious or critical on the current page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context=context)
    return [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]


def assert_accessible(page, *, context=None) -> None:
    """Fail when axe-core finds a serious or critical violation on the current page."""
    violations = accessibility_violations(page, context=context)
    if violations:
        lines = [f"{len(violations)} serious/critical accessibility violation(s) on {page.url}:"]
        for violation in violations:
            targets = ", ".join(str(node["target"]) for node in violation["nodes"][:5])
            lines.append(
                f"- {violation['id']} ({violation['impact']}): {violation['help']} — {targets}"
            )
        pytest.fail("\n".join(lines), pytrace=False)


def login(page, live_server, email: str, password: str):
    """Log in through the login form; fail unless the site then shows « Se déconnecter »."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(password)
    page.locator("main form").get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
    assert page.get_by_role("button", name="Se déconnecter").is_visible(), (
        f"login failed for {email}: still on {page.url}"
    )
    return page


def verified(user):
    """`user` with a verified primary email: they can log in through the form."""
    from allauth.account.models import EmailAddress

    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user


def request_awaiting_provider(session):
    """A member-only request of `session` accepted by the employer, waiting for the provider
    (R10), as the pages make it: (provider's account, employee, approver, registration), each
    able to log in. The employee is Hugo Lefèvre (salarie@example.test), the approver Nadia
    Berger (direction@example.test), the provider's account Marc (prestataire@example.test)."""
    from enrollment import services
    from tests.factories import MemberEmployeeFactory, UserFactory, contact_of

    provider_user = verified(
        UserFactory(email="prestataire@example.test", first_name="Marc", structure=None)
    )
    session.action.provider.users.add(provider_user)
    employee = verified(
        MemberEmployeeFactory(email="salarie@example.test", first_name="Hugo", last_name="Lefèvre")
    )
    approver = verified(
        UserFactory(
            structure=employee.structure,
            email="direction@example.test",
            first_name="Nadia",
            last_name="Berger",
        )
    )
    employee.structure.approvers.add(approver)
    services.add_to_cart(employee, session)
    [registration] = services.submit_cart(
        employee,
        contact=contact_of(employee),
        motivations={session.pk: "Je reçois de plus en plus de jeunes en réorientation."},
    )
    services.approve(registration, by=approver)
    return provider_user, employee, approver, registration
