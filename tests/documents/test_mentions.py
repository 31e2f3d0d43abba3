"""Each document's text, extracted with pypdf, holds its mandatory mentions (Code du travail
L6353-1, D6353-1, D6313-3-1; Qualiopi indicator 9; the ministry's certificate model)."""

import pytest
from django.conf import settings

from documents import services
from documents.models import Document
from tests.documents.pdf import reader, text
from tests.factories import attend

pytestmark = pytest.mark.django_db

FREE = "prise en charge par le programme ParcoursPro, sans coût pour la structure"

CONVENTION = [
    "Convention de formation professionnelle",
    "L6353-1",
    "{provider.legal_name}",
    "SIRET : {provider.siret}",
    "NDA) n° {provider.nda}",
    "{structure.name}",
    "SIRET : {structure.siret}",
    "ParcoursPro",
    "Cap Métiers",
    "{action.title}",
    "Objectifs",
    "{action.objectives}",
    "Contenu et programme",
    "Annexe — Programme",
    "Jour 1 : les fondamentaux.",
    "Moyens pédagogiques",
    "Durée : 7 h",
    "9 h – 17 h",
    "{session.location}",
    "Suivi de l'exécution et évaluation",
    "feuille d'émargement",
    FREE,
    "Montant : 0 €",
    "{registration.last_name}",
    "{registration.first_name}",
    "Pour l'organisme de formation",
    "Pour la structure",
    "{provider.signatory_name}",
]
DISTANCE_CONVENTION = [
    "D6313-3-1",
    "Assistance technique et pédagogique",
    "Activités pédagogiques et durée estimée",
    "durée estimée de l'ensemble des activités : 7 h",
    "Évaluations",
    "mêmes identifiants que ParcoursPro",
    FREE,
]
CONVOCATION = [
    "Convocation",
    "{registration.first_name} {registration.last_name}",
    "{structure.name}",
    "{action.title}",
    "9 h – 17 h",
    "{session.location}",
    "{action.objectives}",
    "Prérequis : {action.prerequisites}",
    "À apporter",
    "Référent pédagogique",
    "{provider.pedagogical_referent_name}",
    "{provider.pedagogical_referent_email}",
    "Référent handicap",
    "{provider.disability_referent_phone}",
    "SIRET : {provider.siret}",
    "NDA) n° {provider.nda}",
]
DISTANCE_CONVOCATION = [
    "e-ParcoursPro",
    "mêmes identifiants que ParcoursPro",
    "Mode d'emploi de la première connexion",
    "Mardi 6 avril",
    "Mercredi 7 avril",
    "9 h – 12 h 30",
]
CERTIFICATE = [
    "Certificat de réalisation",
    "{provider.signatory_name}",
    "{provider.legal_name}",
    "{registration.first_name} {registration.last_name}",
    "{structure.name}",
    "{action.title}",
    "action de formation",
    "Durée effectivement suivie 7 h",
    "Durée prévue 7 h",
]
DISTANCE_CERTIFICATE = ["Activités réalisées (formation à distance)", "e-ParcoursPro"]


def mentions(table, registration):
    session = registration.session
    values = {
        "provider": session.action.provider,
        "structure": registration.structure,
        "action": session.action,
        "session": session,
        "registration": registration,
    }
    return [line.format(**values) for line in table]


def document(kind, registration, provider_user, after, on_commit):
    if kind == "convention":
        return Document.objects.get(kind=kind, session=registration.session, version=1)
    if kind == "convocation":
        return services.convocation_for(registration.pk)
    session = registration.session
    with after(session), on_commit(execute=True):
        every = {(day, half) for day in session.days() for half in ("am", "pm")}
        attend(registration, provider_user, present=every, now=session.ends_at)
    return Document.objects.get(kind=kind, registration=registration)


@pytest.mark.parametrize(
    ("session_fixture", "kind", "table"),
    [
        ("training", "convention", CONVENTION),
        ("self_training", "convention", DISTANCE_CONVENTION),
        ("training", "convocation", CONVOCATION),
        ("self_training", "convocation", DISTANCE_CONVOCATION),
        ("training", "certificate", CERTIFICATE),
        ("self_training", "certificate", DISTANCE_CERTIFICATE),
    ],
)
def test_each_document_holds_its_mandatory_mentions(
    request, session_fixture, kind, table, participant_of, after, django_capture_on_commit_callbacks
):
    from tests.factories import provider_user_of

    session = request.getfixturevalue(session_fixture)
    registration = participant_of(session, first_name="Maryse", last_name="Chrétien")
    found = document(
        kind, registration, provider_user_of(session), after, django_capture_on_commit_callbacks
    )
    found = text(found.file)
    missing = [line for line in mentions(table, registration) if line not in found]
    assert not missing, f"{kind}: missing {missing}\n{found}"


def test_the_pdf_says_its_title_and_language(training, participant_of):
    registration = participant_of(training)
    pdf = reader(services.convocation_for(registration.pk).file)
    assert pdf.metadata.title.startswith(f"Convocation — {training.action.title}")
    assert str(pdf.trailer["/Root"]["/Lang"]) == "fr"
    assert pdf.mediabox_size_a4 if hasattr(pdf, "mediabox_size_a4") else True
    width, height = pdf.pages[0].mediabox.width, pdf.pages[0].mediabox.height
    assert (round(float(width)), round(float(height))) == (595, 842)  # A4 in points


def test_the_font_is_the_one_shipped(training, participant_of):
    """Every machine renders the same: the embedded font is the project's Liberation Sans."""
    registration = participant_of(training)
    pdf = reader(services.convocation_for(registration.pk).file)
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in pdf.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert fonts and all("PP-Sans" in name for name in fonts), fonts
    assert (settings.BASE_DIR / "documents" / "fonts" / "LICENSE-LiberationSans.txt").exists()
