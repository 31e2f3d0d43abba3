"""What a person sees of their enrolment on e-ParcoursPro (« Mon espace », Q13)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from catalog.models import ActionKind
from enrollment.models import RegistrationStatus

from .models import EnrolmentJob

State = EnrolmentJob.State

# The registrations that give access to the course.
WITH_ACCESS = {RegistrationStatus.CONFIRMED, RegistrationStatus.ATTENDED}

ENROLMENT_STATES = {
    State.PENDING: _("Inscription sur e-ParcoursPro en cours"),
    State.DONE: _("Inscrit·e sur e-ParcoursPro"),
    State.FAILED: _("Inscription sur e-ParcoursPro en échec : l'équipe ParcoursPro est prévenue."),
}


@dataclass(frozen=True)
class ElearningAccess:
    url: str
    state: str  # what the person reads; "" when there is nothing to say


def attach_elearning_access(registrations) -> list:
    """Set `elearning` (an ElearningAccess, or None) on each registration: the course's
    link and the enrolment's state, for a confirmed tutored self-training with a course.
    One query for all of them (none if there is no such registration)."""
    registrations = list(registrations)
    concerned = [
        r
        for r in registrations
        if r.status in WITH_ACCESS
        and r.session.action.kind == ActionKind.TUTORED_SELF_TRAINING
        and r.session.action.e_parcourspro_course_id
    ]
    enrolments = {}
    if concerned:
        enrolments = dict(
            EnrolmentJob.objects.filter(
                registration__in=concerned, kind=EnrolmentJob.Kind.ENROL
            ).values_list("registration_id", "state")
        )
    for registration in registrations:
        registration.elearning = None
    for registration in concerned:
        registration.elearning = ElearningAccess(
            url=registration.session.action.e_parcourspro_course_url,
            state=ENROLMENT_STATES.get(enrolments.get(registration.pk), ""),
        )
    return registrations
