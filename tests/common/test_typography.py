"""French typography, done once (common.typography): hours, days and non-breaking spaces."""

import datetime as dt

import pytest

from common import typography

N = "\u00a0"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.time(9, 0), f"9{N}h"),
        (dt.time(9, 30), f"9{N}h{N}30"),
        (dt.time(17, 5), f"17{N}h{N}05"),
        (dt.time(0, 0), f"0{N}h"),
        (dt.datetime(2027, 2, 1, 18, 27), f"18{N}h{N}27"),
    ],
)
def test_hours_are_written_the_french_way(value, expected):
    assert typography.hour(value) == expected


@pytest.mark.parametrize(
    ("value", "options", "expected"),
    [
        (dt.date(2027, 2, 1), {}, "1er février 2027"),
        (dt.date(2027, 2, 1), {"weekday": True}, "lundi 1er février 2027"),
        (dt.date(2027, 1, 12), {"short": True}, "12 janv. 2027"),
        (dt.date(2027, 2, 16), {"short": True}, "16 févr. 2027"),
        (dt.date(2027, 3, 16), {"short": True}, "16 mars 2027"),
        (dt.date(2027, 7, 2), {"short": True}, "2 juil. 2027"),
        (dt.date(2027, 9, 30), {"short": True}, "30 sept. 2027"),
        (dt.date(2027, 12, 24), {"weekday": True, "year": False}, "vendredi 24 décembre"),
        (dt.date(2027, 12, 24), {"month": False}, "24"),
    ],
)
def test_days_say_1er_and_the_french_abbreviations(value, options, expected):
    assert typography.day(value, **options) == expected


def test_a_moment_is_a_day_and_an_hour():
    value = dt.datetime(2027, 3, 1, 9, 30)
    assert typography.moment(value) == f"1er mars 2027 à 9{N}h{N}30"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Motif : trop tard", f"Motif{N}: trop tard"),
        ("Pourquoi ? Parce que !", f"Pourquoi{N}? Parce que{N}!"),
        ("un ; deux", f"un{N}; deux"),
        ("« Animer »", f"«{N}Animer{N}»"),
        ("«Animer»", f"«{N}Animer{N}»"),
        ("désisté·e d'« Animer »", f"désisté·e d'«{N}Animer{N}»"),
        ("désisté·e de « Animer »", f"désisté·e d'«{N}Animer{N}»"),
        ("désisté·e de « Conduire »", f"désisté·e de «{N}Conduire{N}»"),
        ("De « Hauts-de-France »", f"De «{N}Hauts-de-France{N}»"),
        ("de 9 h à 17 h 30", f"de 9{N}h à 17{N}h{N}30"),
        ("Appelez le 05 56 01 02 03.", f"Appelez le 05{N}56{N}01{N}02{N}03."),
        ("120 € et 50 %", f"120{N}€ et 50{N}%"),
        # One apostrophe: Django's and allauth's translations write the curly one.
        ("L\u2019adresse n\u2019est pas valide", "L'adresse n'est pas valide"),
        # Nothing changes where no space is written or where it is not French text.
        ("https://exemple.fr/?page=2", "https://exemple.fr/?page=2"),
        ("10:30", "10:30"),
        ("2 heures, 5 hôtels", "2 heures, 5 hôtels"),
        (f"déjà{N}: bien", f"déjà{N}: bien"),
        ("", ""),
    ],
)
def test_spaces_that_must_not_break(text, expected):
    assert typography.spaced(text) == expected
    # The page's pass, which skips texts with nothing to change, changes the same.
    assert typography.spaced_html(text) == expected
    assert typography.spaced_html(f"<p>{text}</p>\n  <br>") == f"<p>{expected}</p>\n  <br>"


def test_html_text_is_spaced_and_its_tags_code_and_fields_are_not():
    html = (
        '<p title="a : b">Lieu : <strong>Bordeaux</strong> ?</p>'
        "<script>x ? y : z</script><style>a { color : red }</style>"
        "<textarea>mon texte : tel quel</textarea><!-- note : rien -->"
        "<p>« <a href='?q=1'>Animer</a> »</p>"
    )
    assert typography.spaced_html(html) == (
        f'<p title="a : b">Lieu{N}: <strong>Bordeaux</strong>{N}?</p>'
        "<script>x ? y : z</script><style>a { color : red }</style>"
        "<textarea>mon texte : tel quel</textarea><!-- note : rien -->"
        f"<p>«{N}<a href='?q=1'>Animer</a>{N}»</p>"
    )


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Motif : trop tard", "espace avant « : ; ! ? »"),
        ("« Animer", "espace après « « »"),
        ("Animer »", "espace avant « » »"),
        ("à 17 h", "espace dans une heure"),
        ("à 18h27", "heure écrite à l'anglaise"),
        ("à 09h00", "heure écrite à l'anglaise"),
        ("de 14h à", "heure écrite à l'anglaise"),
        ("le 2 à 18:38", "heure écrite à l'anglaise"),
        ("l\u2019adresse", "apostrophe courbe parmi les droites"),
    ],
)
def test_the_scan_finds_each_plain_space_case(text, found):
    assert [what for what, _excerpt in typography.plain_space_cases(text)] == [found]


def test_the_scan_passes_spaced_text():
    text = "Motif : « Animer » le 1er mars à 17 h 30 ; pourquoi ? 05 56 01 02 03"
    assert typography.plain_space_cases(typography.spaced(text)) == []
