"""A person's address or name changed on ParcoursPro: their e-ParcoursPro account follows.

Moodle's login finds an account by its address when no linked login matches (`identity`):
once the person logs in with a new address, the account must already have it, or Moodle
creates a second, empty one. `pre_save` reads the row before it is written; `post_save`
records the job once it is.
"""

from __future__ import annotations

import weakref

from .identity import moodle_username
from .models import EnrolmentJob
from .services import enqueue

Kind = EnrolmentJob.Kind
# The fields of a user that their e-ParcoursPro account copies.
ACCOUNT_FIELDS = {"email", "first_name", "last_name"}


def record_account_change(user) -> EnrolmentJob | None:
    """The person's address or name changed: if ParcoursPro enrolled them on e-ParcoursPro,
    record a job that brings their account there up to date (after the commit, with the
    values of the moment it runs). Returns the job, or None for someone never enrolled."""
    number = moodle_username(user)
    if not EnrolmentJob.objects.filter(moodle_username=number, kind=Kind.ENROL).exists():
        return None
    job = EnrolmentJob.objects.create(moodle_username=number, kind=Kind.ACCOUNT)
    enqueue(job.pk)
    return job


# Users saved with a changed address or name, between their pre_save and post_save.
_changed_accounts: weakref.WeakSet = weakref.WeakSet()


def notice_account_change(sender, *, instance, raw=False, update_fields=None, **kwargs) -> None:
    """`pre_save` receiver of users: remember a user whose address or name is changing (read
    before the row is written), for `follow_account_change` once it is."""
    if raw or instance.pk is None:
        return
    if update_fields is not None and not ACCOUNT_FIELDS & set(update_fields):
        return
    before = type(instance).objects.filter(pk=instance.pk).values(*ACCOUNT_FIELDS).first()
    if before is None:
        return
    if any(str(before[f]).lower() != str(getattr(instance, f)).lower() for f in ACCOUNT_FIELDS):
        _changed_accounts.add(instance)


def follow_account_change(sender, *, instance, created=False, **kwargs) -> None:
    """`post_save` receiver of users: an address or name changed (the row is written): the
    e-ParcoursPro account follows (`record_account_change`)."""
    if created or instance not in _changed_accounts:
        return
    _changed_accounts.discard(instance)
    record_account_change(instance)
