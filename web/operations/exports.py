"""CSV exports for staff, providers and approvers: UTF-8 with a BOM and `;` so that Excel (French
locale) opens them directly, headers in French, users' text never read as a formula."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from common.choices import choice_label
from enrollment.models import Registration
from web import csvsafe

BOM = "\ufeff"


def _when(value) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else ""


def _place(session) -> str:
    if session.is_remote:
        return session.remote_url or str(_("À distance"))
    return session.location


def csv_response(filename: str, header: list[str], rows: Iterable[list]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write(BOM)
    writer = csvsafe.writer(response, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return response


def participant_header() -> list[str]:
    return [
        _("Action"),
        _("Début de la session"),
        _("Fin de la session"),
        _("Lieu"),
        _("Nom"),
        _("Prénom"),
        _("Adresse électronique"),
        _("Téléphone"),
        _("Fonction"),
        _("Structure"),
        _("Statut"),
    ]


def participant_rows(registrations: Iterable[Registration]) -> Iterable[list]:
    """`registrations` come with `session__action` and `structure` loaded."""
    for registration in registrations:
        session = registration.session
        yield [
            session.action.title,
            _when(session.starts_at),
            _when(session.ends_at),
            _place(session),
            registration.last_name,
            registration.first_name,
            registration.email,
            registration.phone,
            registration.job_title,
            registration.structure.name if registration.structure else "",
            choice_label(registration, "status"),
        ]


def registration_header() -> list[str]:
    return [
        _("Numéro"),
        _("Nom"),
        _("Prénom"),
        _("Adresse électronique"),
        _("Téléphone"),
        _("Fonction"),
        _("Structure"),
        _("SIRET"),
        _("Action"),
        _("Type d'action"),
        _("Prestataire"),
        _("Début de la session"),
        _("Lieu"),
        _("Statut"),
        _("Demandée le"),
        _("Acceptée par l'employeur le"),
        _("Décision du prestataire le"),
        _("Motif du refus"),
        _("Désistement le"),
        _("Motif du désistement"),
        _("Décomptée"),
    ]


def registration_rows(registrations: Iterable[Registration]) -> Iterable[list]:
    """`registrations` come with `session__action__provider` and `structure` loaded."""
    for registration in registrations:
        session = registration.session
        structure = registration.structure
        yield [
            registration.pk,
            registration.last_name,
            registration.first_name,
            registration.email,
            registration.phone,
            registration.job_title,
            structure.name if structure else "",
            structure.siret if structure else "",
            session.action.title,
            choice_label(session.action, "kind"),
            session.action.provider.name,
            _when(session.starts_at),
            _place(session),
            choice_label(registration, "status"),
            _when(registration.submitted_at),
            _when(registration.employer_approved_at),
            _when(registration.provider_decided_at),
            registration.decision_reason,
            _when(registration.cancelled_at),
            registration.cancellation_reason,
            _("oui") if registration.counted_in_quota else _("non"),
        ]


def participants_csv(registrations, filename: str) -> HttpResponse:
    return csv_response(filename, participant_header(), participant_rows(registrations))


def registrations_csv(registrations, filename: str) -> HttpResponse:
    return csv_response(filename, registration_header(), registration_rows(registrations))


def structure_request_header() -> list[str]:
    return [
        _("Nom"),
        _("Prénom"),
        _("Adresse électronique"),
        _("Action"),
        _("Type d'action"),
        _("Début de la session"),
        _("Fin de la session"),
        _("Statut"),
        _("Demandée le"),
        _("Décision de l'employeur"),
        _("Décidée par"),
        _("Décidée le"),
        _("Décomptée dans le quota annuel"),
    ]


def _employer_decision(registration: Registration) -> tuple[str, object, object]:
    """(decision, by, on) of the employer on `registration` (R4): `refusal` and `counted`
    come from `enrollment.employer_requests.requests_of_year`."""
    Status = Registration.Status
    if not registration.session.action.is_member_only:
        return _("Sans objet (format court)"), None, None
    if registration.employer_approved_at:
        if registration.status == Status.WAITLISTED:
            decision = _("Pré-acceptée (liste d'attente)")
        else:
            decision = _("Acceptée")
        return decision, registration.employer_approved_by, registration.employer_approved_at
    if registration.refusal is not None:
        return _("Refusée"), registration.refusal.by, registration.refusal.at
    if registration.status in (Status.PENDING_EMPLOYER, Status.WAITLISTED):
        return _("À décider"), None, None
    if registration.status == Status.LAPSED:
        return _("Expirée sans décision"), None, None
    return "", None, None


def _name(user) -> str:
    return (user.get_full_name() or user.email) if user else ""


def structure_request_rows(registrations: Iterable[Registration]) -> Iterable[list]:
    for registration in registrations:
        session = registration.session
        decision, by, on = _employer_decision(registration)
        yield [
            registration.last_name,
            registration.first_name,
            registration.email,
            session.action.title,
            choice_label(session.action, "kind"),
            _when(session.starts_at),
            _when(session.ends_at),
            choice_label(registration, "status"),
            _when(registration.submitted_at),
            decision,
            _name(by),
            _when(on),
            _("oui") if registration.counted else _("non"),
        ]


def structure_requests_csv(registrations, filename: str) -> HttpResponse:
    """A structure's requests for a year (the Employer Space's export)."""
    return csv_response(filename, structure_request_header(), structure_request_rows(registrations))
