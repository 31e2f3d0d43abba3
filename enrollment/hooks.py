"""Signals other apps listen to, so that enrollment never imports them (STYLE.md, Layers):
the participation documents (`documents`) are regenerated from these, and the enrolments on
e-ParcoursPro (`elearning`) recorded.

- `registration_moved(registration, from_status, to_status, by)`: sent by `services.move`,
  inside the transaction of the change, after its audit row (`from_status` is "" for a new
  request). A receiver records what must be as durable as the change in that transaction
  (`elearning`'s job rows) and defers slow work with `transaction.on_commit` (`documents`).
- `attendance_recorded(registration)`: the half-days of a participant were recorded.
"""

from django.dispatch import Signal

registration_moved = Signal()
attendance_recorded = Signal()
