"""Writes of the participation documents: a version generated when what the document says
changed, a convention accepted, the convocation attached to the email that waits for it. A
new convention version is emailed to the structure's approvers, a new certificate to its
participant (`notifications`), in the transaction that stores it.

No PDF is rendered while a row is locked (DESIGN.md, turn 3): every version goes through
`store_next_version`, which renders outside any transaction and stores in a short one if
nothing moved meanwhile. `enrollment.services` calls `registration_moved`,
`attendance_recorded` and `convocations_changed` in the transaction of its changes; the work
is queued after the commit. The Celery tasks live here under their former `documents.tasks`
names (the beat schedule and queued messages keep working).
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

from celery import shared_task
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Session, is_member_only
from employers.models import Structure
from enrollment.models import Registration, RegistrationStatus
from enrollment.notifications import CONVOCATION_AWAITED, convocation_awaited
from mailing import outbox

from . import contents, notifications, rendering
from .models import ConventionAcceptance, Document
from .pending import tracked
from .versions import Draft, Superseded, latest, name_of, store_next_version

logger = logging.getLogger(__name__)

Kind = Document.Kind
Status = RegistrationStatus

MESSAGES = {
    "not_approver": _("Seuls les valideurs de la structure peuvent accepter sa convention."),
    "not_checked": _(
        "Cochez « J'ai lu et j'accepte la convention » pour l'accepter. Rien n'a été enregistré."
    ),
    "stale": _(
        "Une nouvelle version de la convention a été établie depuis que vous l'avez ouverte "
        "(les participants ont changé). Relisez la version %(version)s, puis acceptez-la."
    ),
    "already": _("Cette version de la convention est déjà acceptée."),
}


class DocumentError(Exception):
    def __init__(self, code: str, **params):
        self.code = code
        super().__init__(str(MESSAGES[code]) % params if params else str(MESSAGES[code]))


# --- Convention --------------------------------------------------------------------------------


def conventions_of(session: Session, structure: Structure):
    return Document.objects.filter(kind=Kind.CONVENTION, session=session, structure=structure)


# What a refresh task retries later (with a growing delay): the document kept changing.
RETRIED = {"autoretry_for": (Superseded,), "retry_backoff": True, "max_retries": 3}


@shared_task(name="documents.tasks.refresh_convention", ignore_result=True, **RETRIED)
def refresh_convention(session_id: int, structure_id: int) -> Document | None:
    """The convention of a structure for a session of an action for members, as a new
    version when its participants changed (the first time a participant is confirmed, then
    at each change); none while no participant is confirmed. Idempotent. A failure is
    recorded for the sweep (`pending.tracked`)."""
    with tracked(Kind.CONVENTION, session_id=session_id, structure_id=structure_id):
        return _refresh_convention(session_id, structure_id)


def _refresh_convention(session_id: int, structure_id: int) -> Document | None:
    session = Session.objects.select_related("action__provider").get(pk=session_id)
    if not is_member_only(session.action.kind):
        return None
    structure = Structure.objects.get(pk=structure_id)

    def draft_of(current, version):
        participants = contents.convention_participants(session, structure_id)
        if not participants:
            return None
        return Draft(
            source=contents.convention_source(participants),
            template="documents/convention.html",
            context=contents.convention_context(session, structure, participants),
            filename=name_of("convention", session.action.title, structure.name, f"v{version}"),
        )

    new = partial(Document, kind=Kind.CONVENTION, session=session, structure=structure)
    return store_next_version(
        conventions_of(session, structure), draft_of, new, stored=notifications.convention_to_accept
    )


def accept_convention(
    document: Document, *, by, sha256: str, checked: bool, ip: str | None, now=None
) -> ConventionAcceptance:
    """The structure's approver accepts the convention version they were shown: bound to the
    SHA-256 of that file; refused when a newer version exists (the participants changed).
    The copy with the acceptance block is rendered before the short transaction that checks
    again and records the acceptance (no PDF rendered in a transaction)."""
    now = now or timezone.now()
    if not document.structure.approvers.filter(pk=by.pk).exists():
        raise DocumentError("not_approver")
    if not checked:
        raise DocumentError("not_checked")
    versions = conventions_of(document.session, document.structure)
    _check_acceptable(document, latest(versions), sha256)
    acceptance = ConventionAcceptance(
        document=document,
        accepted_by=by,
        accepted_by_name=by.get_full_name() or by.email,
        accepted_at=now,
        ip=ip or None,
        accepted_sha256=document.sha256,
    )
    session = Session.objects.select_related("action__provider").get(pk=document.session_id)
    ids = [row[0] for row in document.source.get("participants", [])]
    found = Registration.objects.in_bulk(ids)
    participants = [found[pk] for pk in ids if pk in found]
    context = contents.convention_context(session, document.structure, participants)
    context.update(version=document.version, acceptance=acceptance)
    content = rendering.render_pdf("documents/convention.html", context)
    acceptance.signed_sha256 = rendering.sha256(content)
    name = document.filename.replace(".pdf", "-acceptee.pdf")
    acceptance.signed_file.save(name, ContentFile(content), save=False)
    try:
        with transaction.atomic():
            _check_acceptable(document, latest(versions.select_for_update()), sha256)
            acceptance.save()
    except (DocumentError, IntegrityError) as error:
        acceptance.signed_file.delete(save=False)
        if isinstance(error, IntegrityError):  # accepted meanwhile, from another tab
            raise DocumentError("already") from None
        raise
    return acceptance


def _check_acceptable(document: Document, current: Document, sha256: str) -> None:
    if current.pk != document.pk or sha256 != document.sha256:
        raise DocumentError("stale", version=current.version)
    if ConventionAcceptance.objects.filter(document=document).exists():
        raise DocumentError("already")


# --- Convocation and certificate ---------------------------------------------------------------


def _registration(registration_id: int) -> Registration:
    return Registration.objects.select_related("session__action__provider", "structure").get(
        pk=registration_id
    )


def _versions_of(registration: Registration, kind: str):
    return Document.objects.filter(kind=kind, registration_id=registration.pk)


def _new_of(registration: Registration, kind: str):
    return partial(
        Document, kind=kind, session_id=registration.session_id, registration=registration
    )


def convocation_for(registration_id: int) -> Document:
    """The participant's convocation: the latest one while the session's facts are those it
    gives, else a new version. Idempotent."""
    registration = _registration(registration_id)

    def draft_of(current, version):
        fresh = _registration(registration_id)
        return Draft(
            source=contents.convocation_source(fresh),
            template="documents/convocation.html",
            context=contents.convocation_context(fresh),
            filename=name_of("convocation", fresh.session.action.title, fresh.last_name),
        )

    return store_next_version(
        _versions_of(registration, Kind.CONVOCATION),
        draft_of,
        _new_of(registration, Kind.CONVOCATION),
    )


@shared_task(name="documents.tasks.refresh_certificate", ignore_result=True, **RETRIED)
def refresh_certificate(registration_id: int, *, now: dt.datetime | None = None):
    """The certificate of completion, once the session is over and attendance recorded: a
    new version when the hours attended change. None before that. Idempotent."""
    with tracked(Kind.CERTIFICATE, registration_id=registration_id):
        return _refresh_certificate(registration_id, now=now or timezone.now())


def _refresh_certificate(registration_id: int, *, now: dt.datetime):
    registration = _registration(registration_id)

    def draft_of(current, version):
        fresh = _registration(registration_id)
        session = fresh.session
        if fresh.status not in {Status.ATTENDED, Status.ABSENT} or session.ends_at > now:
            return None
        source = contents.certificate_source(fresh)
        if current is None and not source["half_days"]:
            return None  # absent throughout: nothing to certify
        return Draft(
            source=source,
            template="documents/certificate.html",
            context=contents.certificate_context(fresh, source),
            filename=name_of("certificat", session.action.title, fresh.last_name),
        )

    return store_next_version(
        _versions_of(registration, Kind.CERTIFICATE),
        draft_of,
        _new_of(registration, Kind.CERTIFICATE),
        stored=notifications.certificate_ready,
    )


@shared_task(name="documents.tasks.certificates_of_ended_sessions", ignore_result=True)
def certificates_of_ended_sessions(days: int = 7) -> int:
    """Certificates of the sessions that ended in the last `days` days, for attendance
    recorded before the end (a certificate is issued once the session is over)."""
    now = timezone.now()
    ids = (
        Registration.objects.filter(
            status__in=[Status.ATTENDED],
            session__ends_at__lte=now,
            session__ends_at__gte=now - dt.timedelta(days=days),
        )
        .exclude(documents__kind=Kind.CERTIFICATE)
        .values_list("pk", flat=True)
    )
    made = 0
    for pk in ids:
        try:
            made += refresh_certificate(pk) is not None
        except Exception:  # noqa: BLE001 — recorded for the sweep; the others still go
            logger.warning("Certificate of registration %s not generated yet", pk, exc_info=True)
    return made


# --- What enrollment's changes call for --------------------------------------------------------

# The participants a convention lists.
PARTICIPANT_STATUSES = {Status.CONFIRMED, Status.ATTENDED, Status.ABSENT}


def registration_moved(registration: Registration, *, from_status: str, to_status: str) -> None:
    """A registration moved (`enrollment.services.transitions.move`, in the transaction of the
    change): after the commit, its structure's convention when a participant joins or leaves
    it, and the convocation when the provider confirms (the email waits for it)."""
    if not settings.DOCUMENTS_ENABLED:
        return
    joins_or_leaves = (from_status in PARTICIPANT_STATUSES) != (to_status in PARTICIPANT_STATUSES)
    if (
        joins_or_leaves
        and registration.structure_id is not None
        and is_member_only(registration.session.action.kind)
    ):
        refresh_convention.delay_on_commit(registration.session_id, registration.structure_id)
    if from_status == Status.PENDING_PROVIDER and to_status == Status.CONFIRMED:
        send_convocation.delay_on_commit(registration.pk)


def convocations_changed(registration_ids) -> None:
    """The session's dates, place or link changed (`enrollment.services.change_session`, in
    its transaction): each of these participants' convocation is made again after the commit
    and attached to the email that waits for it."""
    if settings.DOCUMENTS_ENABLED:
        for registration_id in registration_ids:
            send_convocation.delay_on_commit(registration_id)


def attendance_recorded(registration: Registration) -> None:
    """The half-days of a participant were recorded (in the transaction of the change): the
    certificate and the session's signed attendance sheet, after the commit."""
    if settings.DOCUMENTS_ENABLED:
        refresh_certificate.delay_on_commit(registration.pk)
        refresh_attendance_sheet.delay_on_commit(registration.session_id)


@shared_task(name="documents.tasks.refresh_attendance_sheet", ignore_result=True, **RETRIED)
def refresh_attendance_sheet(session_id: int):
    """The session's attendance sheet (each half-day's signatures, corrections, validation):
    a new version when any of them changes; none before a half-day is validated."""
    with tracked(Kind.ATTENDANCE, session_id=session_id):
        return _refresh_attendance_sheet(session_id)


def _refresh_attendance_sheet(session_id: int):

    def draft_of(current, version):
        parts = contents.attendance_sheet(session_id)  # source, template, context, name
        return Draft(*parts[:3], filename=name_of(*parts[3])) if parts else None

    versions = Document.objects.filter(kind=Kind.ATTENDANCE, session_id=session_id)
    return store_next_version(
        versions, draft_of, partial(Document, kind=Kind.ATTENDANCE, session_id=session_id)
    )


SENT_AGAIN = {"autoretry_for": (Exception,), "retry_backoff": 60, "max_retries": 5}


@shared_task(name="documents.tasks.send_convocation", ignore_result=True, **SENT_AGAIN)
def send_convocation(registration_id: int) -> int:
    """Generate the participant's convocation and attach it to the email that waits for it,
    which then leaves. On failure (the storage read-only, say) the email keeps waiting, with
    the error for staff to see, and this is retried with a growing delay; the periodic
    `send_waiting_convocations` tries again after that. Returns how many emails it released."""
    awaits = convocation_awaited(registration_id)
    try:
        with tracked(Kind.CONVOCATION, registration_id=registration_id):
            document = convocation_for(registration_id)
    except Registration.DoesNotExist:
        return outbox.attach_and_release(awaits)  # the request is gone: no convocation to give
    except Exception as error:
        outbox.still_waiting(awaits, error)
        raise
    attachment = notifications.pdf_attachment(document, f"convocation-{registration_id}.pdf")
    return outbox.attach_and_release(awaits, attachment)


@shared_task(name="documents.tasks.send_waiting_convocations", ignore_result=True)
def send_waiting_convocations(older_than_minutes: int = 30) -> int:
    """The sweep: the emails still waiting for their convocation after `older_than_minutes`
    (its task lost, or out of retries) get it now, or keep waiting with the error. Returns how
    many emails it released."""
    released = 0
    older_than = dt.timedelta(minutes=older_than_minutes)
    for awaits in outbox.awaited(CONVOCATION_AWAITED, older_than=older_than):
        try:
            released += send_convocation(int(awaits.removeprefix(CONVOCATION_AWAITED)))
        except Exception:  # noqa: BLE001 — recorded on the emails; the others still go
            logger.warning("Convocation for %s not generated yet", awaits, exc_info=True)
    return released
