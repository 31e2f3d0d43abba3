"""The site writes French as people read it: the singular for 0 and 1, « d'Inès » rather than
« de Inès », no « (s) », no « : : », no capital after a colon, one word for email
(« adresse électronique » in forms, « courriel » in running text), and no raw codes."""

import html
import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation
from django.utils.translation import ngettext

from catalog.models import ActionKind
from common.text import de_name, lowercase_first
from enrollment import services
from enrollment.models import RegistrationEvent, RegistrationStatus
from tests.factories import MemberEmployeeFactory, UserFactory, register, session_of
from tests.parcourspro.test_locale import CATALOGUE, read_po
from web.management.commands.makemessages import fill_plurals
from web.templatetags.catalog_tags import duration_text, places_text

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\{[^}]*\}\}|\{\w+\}|<[^>]+>")
Status = RegistrationStatus


def visible_text(response) -> str:
    """What a reader sees of the page's main content: no tags, no option values."""
    body = response.content.decode()
    body = re.sub(r"(?s)<(script|style|select)[^>]*>.*?</\1>", " ", body)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"(?s)<[^>]+>", " ", body)))


# --- elision and capitals after a colon ------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Inès", "d'Inès"),
        ("Agent", "d'Agent"),
        ("Élodie", "d'Élodie"),
        ("Hélène", "d'Hélène"),
        ("Hugo", "d'Hugo"),
        ("Yves", "d'Yves"),
        ("Camille", "de Camille"),
        ("Yann", "de Yann"),
        ("Hauts-de-France Formation", "de Hauts-de-France Formation"),
        ("Hugues", "de Hugues"),
        ("Mission locale des Graves", "de Mission locale des Graves"),
    ],
)
def test_de_elides_before_a_vowel_or_a_mute_h(name, expected):
    assert de_name(name) == expected
    rendered = Template("{% load french %}{{ name|de_name }}").render(Context({"name": name}))
    assert html.unescape(rendered) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Cette session est complète.", "cette session est complète."),
        ("Session complète", "session complète"),
        ("L'action est réservée aux adhérents.", "l'action est réservée aux adhérents."),
        ("ParcoursPro vous écrit.", "ParcoursPro vous écrit."),
        ("CPF non éligible", "CPF non éligible"),
        ("Cap Métiers décide.", "Cap Métiers décide."),
    ],
)
def test_a_sentence_after_a_colon_starts_in_lower_case(sentence, expected):
    assert lowercase_first(sentence) == expected


# --- plurals: 0 and 1 are singular -----------------------------------------------------------


def test_zero_and_one_are_singular_in_french():
    with translation.override("fr"):
        assert ngettext("%(count)s jour", "%(count)s jours", 0) == "%(count)s jour"
        rendered = Template(
            "{% load i18n %}{% blocktranslate count counter=n %}{{ counter }} action trouvée"
            "{% plural %}{{ counter }} actions trouvées{% endblocktranslate %}"
        )
        assert rendered.render(Context({"n": 0})) == "0 action trouvée"
        assert rendered.render(Context({"n": 2})) == "2 actions trouvées"


def test_every_plural_of_the_catalogue_is_filled_so_that_0_is_singular():
    """An empty plural entry is not compiled, and gettext then says « 0 actions »."""
    empty = [
        msgid
        for (_context, msgid), entry in read_po(CATALOGUE / "django.po").items()
        if "msgid_plural" in entry and not (entry["msgstr[0]"] and entry["msgstr[1]"])
    ]
    assert empty == [], "run makemessages (it fills them): " + "; ".join(empty)


def test_makemessages_fills_the_french_plurals():
    """Empty plurals are filled; a fuzzy guess of msgmerge (another entry's text) is replaced
    by the entry's own msgid, and its flag and previous msgid dropped."""
    po = (
        'msgid ""\n'
        'msgstr ""\n'
        '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n'
        "\n"
        "#: catalog/templatetags/catalog_tags.py\n"
        "#, python-format\n"
        'msgid "%(count)s place restante"\n'
        'msgid_plural "%(count)s places restantes"\n'
        'msgstr[0] ""\n'
        'msgstr[1] ""\n'
        "\n"
        "#, fuzzy, python-format\n"
        '#| msgid "%(count)s semaine"\n'
        '#| msgid_plural "%(count)s semaines"\n'
        'msgid "Une demande"\n'
        'msgid_plural ""\n'
        '"%(count)s demandes "\n'
        '"en tout"\n'
        'msgstr[0] "%(count)s semaine"\n'
        'msgstr[1] "%(count)s semaines"\n'
        "\n"
        "#, fuzzy\n"
        '#| msgid "Ancien texte"\n'
        'msgid "Nouveau texte"\n'
        'msgstr "Ancien texte"\n'
    )
    assert fill_plurals(po) == (
        'msgid ""\n'
        'msgstr ""\n'
        '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n'
        "\n"
        "#: catalog/templatetags/catalog_tags.py\n"
        "#, python-format\n"
        'msgid "%(count)s place restante"\n'
        'msgid_plural "%(count)s places restantes"\n'
        'msgstr[0] "%(count)s place restante"\n'
        'msgstr[1] "%(count)s places restantes"\n'
        "\n"
        "#, python-format\n"
        'msgid "Une demande"\n'
        'msgid_plural ""\n'
        '"%(count)s demandes "\n'
        '"en tout"\n'
        'msgstr[0] "Une demande"\n'
        'msgstr[1] ""\n'
        '"%(count)s demandes "\n'
        '"en tout"\n'
        "\n"
        'msgid "Nouveau texte"\n'
        'msgstr ""\n'
    )
    assert fill_plurals(fill_plurals(po)) == fill_plurals(po)


def test_the_catalogue_holds_no_fuzzy_guess():
    """msgmerge guesses a changed text's msgstr from a similar entry (« fuzzy »): compiled,
    it would be skipped; kept, it would show another text. makemessages clears them."""
    text = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    assert "fuzzy" not in text


@pytest.mark.django_db
def test_an_empty_search_finds_0_action(client):
    body = visible_text(client.get(reverse("catalog:catalogue"), {"q": "xylophone"}))
    assert "0 action trouvée" in body


@pytest.mark.django_db
def test_places_and_durations_in_words():
    session = session_of(ActionKind.WEBINAR)
    for left, words in [(1, "1 place restante"), (2, "2 places restantes")]:
        session.places_left = left
        assert places_text(session) == words
    assert [duration_text(days) for days in (0.5, 1, 1.5, 2)] == [
        "0,5 jour",
        "1 jour",
        "1,5 jour",
        "2 jours",
    ]


# --- what the catalogue holds ------------------------------------------------------------------


def catalogue_texts():
    for (_context, msgid), entry in read_po(CATALOGUE / "django.po").items():
        for text in (msgid, entry.get("msgid_plural", "")):
            if text:
                yield PLACEHOLDER.sub("…", text)


@pytest.mark.parametrize(
    ("rule", "pattern"),
    [
        ("no « (s) »: ngettext or blocktranslate count", r"\w\(s\)"),
        ("no double colon", r":\s*:"),
        (
            "no capital after a colon",
            r" : (?!ParcoursPro|CPF|SIRET|Cap )[A-ZÀÂÉÈÊÎÔ][a-zàâéèêîôûç]",
        ),
        ("« courriel » or « adresse électronique »", r"(?i)\be-?mails?\b|\bmails?\b"),
        ("« d' » before a vowel", r"\b[dD]e [AEIOUYÀÂÉÈÊÎÔ]"),
    ],
)
def test_the_translatable_texts_follow_french_typography(rule, pattern):
    offending = [text for text in catalogue_texts() if re.search(pattern, text)]
    assert offending == [], rule


# --- pages -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_employer_space_elides_before_a_name(client):
    employee = MemberEmployeeFactory(first_name="Inès", last_name="Moreau")
    approver = UserFactory(structure=employee.structure)
    employee.structure.approvers.add(approver)
    [registration] = register(employee, session_of(ActionKind.TRAINING))
    client.force_login(approver)

    page = visible_text(client.get(reverse("employers:space")))
    assert "Sélectionner la demande d'Inès Moreau pour" in page
    assert "de Inès" not in page

    response = client.post(reverse("employers:approve", args=[registration.pk]), follow=True)
    assert "La demande d'Inès Moreau pour" in visible_text(response)


@pytest.mark.django_db
def test_account_pages_say_adresse_electronique_and_courriel(client):
    """django-allauth's French says « e-mail »; the site says « adresse électronique » in its
    forms and « courriel » in its sentences (locale_allauth/)."""
    login = visible_text(client.get(reverse("account_login")))
    assert "Adresse électronique" in login
    reset = visible_text(client.get(reverse("account_reset_password")))
    assert "Indiquez votre adresse électronique" in reset
    assert "nous vous enverrons un courriel" in reset
    client.force_login(UserFactory())
    change = visible_text(client.get(reverse("account_email")))
    assert "Adresse électronique actuelle" in change
    for page in (login, reset, change):
        assert not re.search(r"(?i)\be-?mail\b|courriel :|actuel:", page)


@pytest.mark.django_db
def test_the_history_names_the_states_not_their_codes(admin_client):
    [registration] = register(MemberEmployeeFactory(), session_of(ActionKind.TRAINING))
    services.cancel(registration, by=registration.user, reason="Un empêchement.")
    event = RegistrationEvent.objects.filter(to_status=Status.CANCELLED).get()
    assert str(event) == "En attente de l'employeur → Désistement"

    page = visible_text(
        admin_client.get(reverse("admin:enrollment_registration_change", args=[registration.pk]))
    )
    assert "En attente de l'employeur → Désistement" in page
    assert not re.search(r"\b(pending_employer|cancelled|waitlisted|confirmed)\b", page)


def test_no_template_shows_a_raw_status():
    """A state is shown by its label (get_status_display or the status_badge tag)."""
    raw = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in (ROOT / "templates").rglob("*.html")
        for match in re.finditer(r"\{\{ ?\w+\.[\w.]*status ?\}\}", path.read_text(encoding="utf-8"))
    ]
    assert raw == []
