"""The one way a document gets a version (`documents.versions.store_next_version`): the PDF
is rendered outside any transaction, then stored only if nothing moved meanwhile — another
worker's version saying the same is kept, a change of what the document says is rendered
again, and a document that keeps changing is left for a later try."""

import pytest

from documents import rendering, versions
from documents import services as documents
from documents.models import Document
from enrollment import services
from enrollment.models import Registration
from tests.factories import UserFactory, awaiting_provider

pytestmark = pytest.mark.django_db


@pytest.fixture
def participant(training, settings):
    """A confirmed participant whose convention is not made yet."""
    settings.DOCUMENTS_ENABLED = False
    registration = services.confirm(awaiting_provider(training), by=UserFactory(is_staff=True))
    settings.DOCUMENTS_ENABLED = True
    return registration


@pytest.fixture
def while_rendering(monkeypatch):
    """Run `meanwhile()` inside the next renderings, as another worker would."""
    render_pdf = rendering.render_pdf

    def install(meanwhile, times=1):
        calls = []

        def spy(template, context):
            if len(calls) < times:
                calls.append(template)
                meanwhile()
            return render_pdf(template, context)

        monkeypatch.setattr(rendering, "render_pdf", spy)
        return calls

    return install


def convention_files(training) -> list[str]:
    storage = Document._meta.get_field("file").storage
    directory = f"convention/{training.pk}"
    return storage.listdir(directory)[1] if storage.exists(directory) else []


def refresh(participant):
    return documents.refresh_convention(participant.session_id, participant.structure_id)


def test_a_version_another_worker_stored_meanwhile_is_kept(training, participant, while_rendering):
    other = []
    while_rendering(lambda: other.append(refresh(participant)))
    kept = refresh(participant)
    assert kept == other[0] and kept.version == 1
    assert Document.objects.filter(kind="convention").count() == 1
    assert convention_files(training) == [kept.file.name.rsplit("/", 1)[-1]]  # no orphan


def test_what_changed_while_rendering_is_rendered_again(training, participant, while_rendering):
    def renamed():
        Registration.objects.filter(pk=participant.pk).update(last_name="Nouveau-Nom")

    calls = while_rendering(renamed)
    document = refresh(participant)
    assert len(calls) == 1  # the first rendering, dropped; the second one is stored
    assert document.version == 1
    assert document.source["participants"][0][2] == "Nouveau-Nom"
    assert len(convention_files(training)) == 1


def test_a_document_that_keeps_changing_is_left_for_a_later_try(
    training, participant, while_rendering
):
    names = iter(range(100))

    def renamed():
        Registration.objects.filter(pk=participant.pk).update(last_name=f"Nom-{next(names)}")

    while_rendering(renamed, times=versions.ATTEMPTS)
    with pytest.raises(versions.Superseded):
        refresh(participant)
    assert not Document.objects.exists() and convention_files(training) == []
    assert refresh(participant).version == 1  # nothing changes now: stored
