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
