"""Writes for accounts: the professional profile given at signup or edited later."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from common.choices import EmploymentStatus
from employers.attachments import (
    join_proposed_structure,
    leave_structure,
    lock_person,
    request_attachment,
)
from employers.models import Structure
from employers.validators import normalize_siret

from .models import User

PROFILE_FIELDS = (
    "first_name",
    "last_name",
    "phone",
    "job_title",
    "employment_status",
    "field_of_activity",
    "department",
)


@dataclass(frozen=True)
class StructureProposal:
    """A structure the professional did not find in the list (validated by staff later).

    `name` may be empty for an independent: their own name is used."""

    name: str
    siret: str
    department: str


def register_profile(user: User, data: dict) -> User:
    """Save the profile asked at signup: professional fields and the structure, proposing it
    or creating an independent's one-person structure when needed."""
    return _save_profile(user, data)


def update_profile(user: User, data: dict, *, structure_changed: bool = True) -> User:
    """Save the profile edited on the profile page (same rules as at signup).
    `structure_changed`: whether the person changed the structure the page showed them;
    when not, their structure and attachment are left as they are now, whatever the page
    showed (an approver may have confirmed or ended the attachment since)."""
    return _save_profile(user, data, structure_changed=structure_changed)


# What the profile's checks say, translated when shown.
MESSAGES = {
    "too_long": _("« %(label)s » tient en %(limit)s caractères au plus (%(length)s saisis)."),
    "not_a_choice": _("« %(label)s » : choisissez une des valeurs proposées."),
}


def check_profile(data: dict) -> None:
    """The limits the profile forms show, enforced again here (a too long value must not
    reach the database): raises a ValidationError per field, in French."""
    errors = {}
    for name in PROFILE_FIELDS:
        value = data.get(name)
        if value in (None, ""):
            continue
        field = User._meta.get_field(name)
        label = str(field.verbose_name)
        if field.choices and value not in dict(field.flatchoices):
            errors[name] = ValidationError(MESSAGES["not_a_choice"], params={"label": label})
        elif field.max_length and len(str(value)) > field.max_length:
            errors[name] = ValidationError(
                MESSAGES["too_long"],
                params={"label": label, "limit": field.max_length, "length": len(str(value))},
            )
    proposal = data.get("proposal")
    limit = Structure._meta.get_field("name").max_length
    if proposal is not None and len(proposal.name) > limit:
        errors["new_structure_name"] = ValidationError(
            MESSAGES["too_long"],
            params={
                "label": _("nom de la structure"),
                "limit": limit,
                "length": len(proposal.name),
            },
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def _save_profile(user: User, data: dict, *, structure_changed: bool = True) -> User:
    """`data` holds PROFILE_FIELDS plus `structure` (a Structure or None) and `proposal`
    (a StructureProposal or None); a proposal wins over `structure`.

    Writes only what it changes: the profile's own fields (never the whole row from the copy
    the caller read), and the structure through employers.attachments, on the person's row
    locked first and read again (issue 23: a profile saved while an approver confirmed or
    ended the attachment undid it)."""
    check_profile(data)
    if user.pk is None:
        user.save()
    person = lock_person(user.pk)
    fields = [name for name in PROFILE_FIELDS if name in data]
    for name in fields:
        setattr(person, name, data[name])
    if fields:
        person.save(update_fields=fields)

    if person.employment_status == EmploymentStatus.JOB_SEEKER:
        leave_structure(person)
    elif structure_changed:
        _change_structure(person, data.get("structure"), data.get("proposal"))

    # The caller's copy follows (allauth's signup goes on with it).
    for name in fields:
        setattr(user, name, getattr(person, name))
    user.structure = person.structure
    return user


def _change_structure(
    person: User, structure: Structure | None, proposal: StructureProposal | None
) -> None:
    if proposal is not None:
        # The person creates the structure: theirs at once (staff validate it).
        join_proposed_structure(person, _structure_from_proposal(person, proposal))
    elif structure is not None:
        # An existing structure: a request to join it, which one of its approvers (or
        # staff) confirms (DESIGN.md, Decisions « Attachment »); nothing when it is theirs.
        request_attachment(person, structure)
    else:
        leave_structure(person)


def _structure_from_proposal(user: User, proposal: StructureProposal) -> Structure:
    siret = normalize_siret(proposal.siret)
    pending = (
        Structure.objects.select_for_update()
        .filter(siret=siret, is_validated=False)
        .exclude(kind=Structure.Kind.INDEPENDENT)
        .first()
    )
    if pending is not None and user.employment_status == EmploymentStatus.EMPLOYEE:
        # A colleague proposed it first: join it, it awaits the same validation.
        return pending

    independent = user.employment_status == EmploymentStatus.INDEPENDENT
    structure = Structure.objects.create(
        name=proposal.name.strip() or user.get_full_name() or user.email,
        siret=siret,
        department=proposal.department or user.department,
        kind=Structure.Kind.INDEPENDENT if independent else Structure.Kind.OTHER,
        is_validated=False,
        proposed_by=user,
    )
    if independent:
        # Q5: an independent approves their own requests.
        structure.approvers.add(user)
    return structure
