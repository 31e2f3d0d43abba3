"""The signed attendance sheet (PDF) and the certificate of completion, from the electronic
attendance: each signature's time (late or not) and drawing, the corrections, the
validation, read back from the PDF; the certificate counts the validated attendance."""

import datetime as dt
import struct
import zlib

import pytest
import time_machine
from pypdf import PdfReader

from documents.models import Document
from enrollment import services
from tests.documents.pdf import text
from tests.factories import PARIS, MemberEmployeeFactory, confirmed

from .test_certificates import certificate

pytestmark = pytest.mark.django_db


def tiny_png() -> bytes:
    """A real 2×2 PNG, as a phone's canvas would send (smaller)."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\x00\x00\x00\xff" * 2 for _ in range(2))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 6, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def at(hour, minute=0, day=15):
    return time_machine.travel(dt.datetime(2027, 3, day, hour, minute, tzinfo=PARIS), tick=False)


def sheet_pdf(session):
    return Document.objects.filter(kind="attendance", session=session).order_by("-version").first()


def test_the_signed_sheet_says_who_signed_when_the_corrections_and_the_validation(
    training, participant_of, provider_user, django_capture_on_commit_callbacks
):
    """Monday 15 March 2027, 9:00–17:00: Anne signs on time with a drawing, Bruno late,
    Chloé not at all (then corrected: present, a reason); the morning is validated."""
    anne = participant_of(training, first_name="Anne", last_name="Arnaud")
    bruno = participant_of(training, first_name="Bruno", last_name="Bernard")
    with django_capture_on_commit_callbacks(execute=True):  # another structure (R5: 2 each)
        chloe = confirmed(
            training, MemberEmployeeFactory(first_name="Chloé", last_name="Chevalier")
        )
    day = training.starts_at.date()
    with at(8, 50):
        sheet = services.open_signing(training, day=day, half="am", by=provider_user)
    with at(9, 5):
        services.sign(sheet, user=anne.user, drawing=tiny_png())
    with at(9, 40):
        services.sign(sheet, user=bruno.user)
    assert sheet_pdf(training) is None  # nothing validated yet
    with at(12, 55), django_capture_on_commit_callbacks(execute=True):
        services.validate_sheet(training, day=day, half="am", by=provider_user)
    assert sheet_pdf(training).version == 1
    with at(12, 56), django_capture_on_commit_callbacks(execute=True):
        services.correct_attendance(
            sheet,
            chloe,
            present=True,
            reason="Arrivée à 9 h 20, a oublié de signer",
            by=provider_user,
        )
    document = sheet_pdf(training)
    assert document.version == 2  # the validation, then the correction
    content = text(document.file)
    assert "Feuille d'émargement" in content
    assert "ARNAUD Anne" in content and "Signé à 9 h 05" in content
    assert "BERNARD Bruno" in content and "Signé à 9 h 40 (en retard)" in content
    assert "CHEVALIER Chloé" in content
    assert "absent·e → présent·e — Arrivée à 9 h 20, a oublié de signer" in content
    assert "Feuille validée le lundi 15 mars 2027 à 12 h 55" in content
    assert "Feuille non validée" in content  # the afternoon
    images = [image for page in PdfReader(document.file.path).pages for image in page.images]
    assert len(images) == 1  # Anne's drawing


def test_the_certificate_counts_the_validated_attendance(
    training, participant_of, provider_user, django_capture_on_commit_callbacks
):
    """Signed in the morning only; both half-days validated: 3.5 h of 7."""
    anne = participant_of(training)
    day = training.starts_at.date()
    with at(8, 50):
        sheet = services.open_signing(training, day=day, half="am", by=provider_user)
    with at(9, 5):
        services.sign(sheet, user=anne.user)
    with at(17, 30), django_capture_on_commit_callbacks(execute=True):
        services.validate_sheet(training, day=day, half="am", by=provider_user)
        services.validate_sheet(training, day=day, half="pm", by=provider_user)
    content = text(certificate(anne).file)
    assert "Durée effectivement suivie 3,5 h (1 demi-journée sur 2)" in content
