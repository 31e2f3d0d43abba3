"""Value lists shared by several apps: the bottom layer, importing no app (STYLE.md, Layers).

Profiles and structures (DESIGN.md, FAQ Q2) and the states of a registration, which the
catalogue counts (places held) without importing enrollment; and how a field's value is
named on screen (`choice_label`).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Department(models.TextChoices):
    """The twelve departments of Nouvelle-Aquitaine."""

    CHARENTE = "16", "16 — Charente"
    CHARENTE_MARITIME = "17", "17 — Charente-Maritime"
    CORREZE = "19", "19 — Corrèze"
    CREUSE = "23", "23 — Creuse"
    DORDOGNE = "24", "24 — Dordogne"
    GIRONDE = "33", "33 — Gironde"
    LANDES = "40", "40 — Landes"
    LOT_ET_GARONNE = "47", "47 — Lot-et-Garonne"
    PYRENEES_ATLANTIQUES = "64", "64 — Pyrénées-Atlantiques"
    DEUX_SEVRES = "79", "79 — Deux-Sèvres"
    VIENNE = "86", "86 — Vienne"
    HAUTE_VIENNE = "87", "87 — Haute-Vienne"


class EmploymentStatus(models.TextChoices):
    EMPLOYEE = "employee", _("Salarié·e d'une structure")
    INDEPENDENT = "independent", _("Indépendant·e")
    JOB_SEEKER = "job_seeker", _("Demandeur·se d'emploi")


class FieldOfActivity(models.TextChoices):
    EDUCATION = "education", _("Éducation")
    GUIDANCE = "guidance", _("Orientation")
    TRAINING = "training", _("Formation")
    INTEGRATION = "integration", _("Insertion")
    SUPPORT = "support", _("Accompagnement")
    EMPLOYMENT = "employment", _("Emploi")
    VAE = "vae", _("VAE")


class RegistrationStatus(models.TextChoices):
    """The states of a registration request (DESIGN.md, Registration states)."""

    WAITLISTED = "waitlisted", _("En liste d'attente")
    # Late release (DESIGN.md, turn 3): a freed place held for this request while its offer
    # runs; it holds the place (nobody else is seated into it) but counts in no quota (R6).
    OFFERED = "offered", _("Place proposée")
    PENDING_EMPLOYER = "pending_employer", _("En attente de l'employeur")
    PENDING_PROVIDER = "pending_provider", _("En attente du prestataire")
    CONFIRMED = "confirmed", _("Confirmée")
    ATTENDED = "attended", _("Présent·e")
    ABSENT = "absent", _("Absent·e")
    REFUSED = "refused", _("Refusée par l'employeur")
    DECLINED = "declined", _("Déclinée par le prestataire")
    CANCELLED = "cancelled", _("Désistement")
    LAPSED = "lapsed", _("Expirée")


# Requests that hold one of the session's places (R7), an offered place included.
HOLDING_STATUSES = frozenset(
    {
        RegistrationStatus.OFFERED,
        RegistrationStatus.PENDING_EMPLOYER,
        RegistrationStatus.PENDING_PROVIDER,
        RegistrationStatus.CONFIRMED,
    }
)
# Requests still alive: a user may have only one of these per session.
LIVE_STATUSES = HOLDING_STATUSES | {
    RegistrationStatus.WAITLISTED,
    RegistrationStatus.ATTENDED,
    RegistrationStatus.ABSENT,
}
# Requests that ended (refused, declined, cancelled, lapsed): the others are live. The
# constraint "one live request per person and session" names these four rather than the
# seven live ones: PostgreSQL's planner proves a partial index's condition against each
# query's own conditions on the status, and a list of seven cost 3 ms of planning to the
# Employer Space's queries (their OR of statuses), four 0.1 ms (docs/PERFORMANCE.md).
ENDED_STATUSES = frozenset(RegistrationStatus) - LIVE_STATUSES
# Requests counted in the annual quota (R6), besides late cancellations: those holding a
# place but an offer not yet accepted, and those done.
QUOTA_STATUSES = (HOLDING_STATUSES - {RegistrationStatus.OFFERED}) | {
    RegistrationStatus.ATTENDED,
    RegistrationStatus.ABSENT,
}


def choice_label(instance, field_name: str):
    """The name of a field's value on screen, as `instance.get_<field>_display()` gives it
    (the value itself when it is none of the field's choices), at the cost of one translation.

    Django's `get_FOO_display()` builds a dict of every choice at each call, and so translates
    every label (in each of the site's 11 catalogues) to find one: a registration's state,
    13 translations, 600 function calls and 76 µs; an action's kind, 8 and 61 µs; one label
    1–7 µs. « Mon espace » paid it for each request's kind and each line of its history (a
    tenth of its function calls), the catalogue's cards for each kind, the exports for each
    row (docs/PERFORMANCE.md). The fields' choices are enumerations
    (`TextChoices`), flat."""
    value = getattr(instance, field_name)
    for choice, label in instance._meta.get_field(field_name).choices:
        if choice == value:
            return str(label)
    return value
