"""Reactions of enrollment to changes made in other apps (connected in `connect()`, called by
`EnrollmentConfig.ready`).

- A structure that becomes a member for a year makes its employees' waitlisted requests of
  that year eligible again (R2, R7): their waiting lists are served.
- A structure left without an approver (R4): its requests waiting for the employer could no
  longer be decided, so staff are told (`notifications.structure_left_without_approver`).
  Connected to `m2m_changed` of `Structure.approvers`, from both sides
  (`structure.approvers.remove(user)`, `user.approved_structures.clear()`, the admin's form).
  Deleting a user row removes its approver links without this signal:
  `privacy.delete_account` removes them explicitly first.
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save

from catalog import cache_versions
from employers.models import Membership, Structure

from . import notifications
from .models import Registration, RegistrationStatus
from .services.waitlist import serve_waitlists

# Set on the instance between the "pre_" and "post_" signals of one change.
_LOSING = "_structures_losing_an_approver"


def _approver_links(instance, *, reverse: bool, pk_set):
    """The links about to be removed: `instance` is a structure (forward) or a user
    (reverse); `pk_set` the other side's ids, or None for a clear()."""
    links = Structure.approvers.through.objects.all()
    if reverse:
        links = links.filter(user=instance)
        if pk_set is not None:
            links = links.filter(structure_id__in=pk_set)
    else:
        links = links.filter(structure=instance)
        if pk_set is not None:
            links = links.filter(user_id__in=pk_set)
    return links


def approvers_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if action in {"pre_remove", "pre_clear"}:
        links = _approver_links(instance, reverse=reverse, pk_set=pk_set)
        setattr(instance, _LOSING, set(links.values_list("structure_id", flat=True)))
    elif action in {"post_remove", "post_clear"}:
        losing = instance.__dict__.pop(_LOSING, set())
        if not losing:
            return  # nobody was actually removed
        for structure in Structure.objects.filter(pk__in=losing, approvers__isnull=True):
            notifications.structure_left_without_approver(structure)


def serve_waitlists_of_new_member(sender, instance: Membership, created: bool, **kwargs):
    """R7 (Decisions « Order »): a structure that becomes a member for a year makes its
    employees' waitlisted requests of that year eligible again: serve those waiting lists."""
    if not created:
        return
    session_ids = list(
        Registration.objects.filter(
            structure_id=instance.structure_id,
            status=RegistrationStatus.WAITLISTED,
            session__starts_at__year=instance.year,
        )
        .values_list("session_id", flat=True)
        .distinct()
    )
    if session_ids:
        serve_waitlists.delay_on_commit(session_ids)


def registration_changed(sender, instance: Registration, raw=False, **kwargs) -> None:
    """A request saved (every `move` of the services: taken, freed, waitlisted) or deleted
    may change its session's places: the session's version is bumped in the same transaction
    (by the database's trigger, migration `enrollment/0006`, or here on a database without
    it), so the catalogue's fragments that counted its places are never read again, and the
    catalogue's listings too (« places disponibles ») (catalog.cache_versions)."""
    if not raw:
        cache_versions.bump_sessions([instance.session_id])


def connect() -> None:
    post_save.connect(
        registration_changed, sender=Registration, dispatch_uid="enrollment.registration_saved"
    )
    post_delete.connect(
        registration_changed, sender=Registration, dispatch_uid="enrollment.registration_deleted"
    )
    post_save.connect(
        serve_waitlists_of_new_member, sender=Membership, dispatch_uid="enrollment.membership"
    )
    m2m_changed.connect(
        approvers_changed,
        sender=Structure.approvers.through,
        dispatch_uid="enrollment.structure_left_without_approver",
    )
