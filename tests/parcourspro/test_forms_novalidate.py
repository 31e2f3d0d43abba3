"""Messages about fields are French and come from the server, next to the field (issue 13,
item 11): no form of the site lets the browser check its fields first, in its own language
(« Please fill out this field »)."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
FORM = re.compile(r"<form\b[^>]*>", re.S)


def test_every_form_of_the_site_is_checked_by_the_server_only():
    forms = {
        f"{path.relative_to(TEMPLATES)}: {tag}"
        for path in TEMPLATES.rglob("*.html")
        for tag in FORM.findall(path.read_text(encoding="utf-8"))
    }
    assert forms, "no form found"
    browser_checked = sorted(form for form in forms if "novalidate" not in form)
    assert not browser_checked, "forms without novalidate:\n" + "\n".join(browser_checked)
