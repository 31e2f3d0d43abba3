"""Signals other apps listen to, so that enrollment never imports them (STYLE.md, Layers):
the participation documents (`documents`) are regenerated from these.

- `registration_moved(registration, from_status, to_status)`: sent by `services.move`, inside
  the transaction of the change; a receiver defers its work with `transaction.on_commit`.
- `attendance_recorded(registration)`: the half-days of a participant were recorded.
"""

from django.dispatch import Signal

registration_moved = Signal()
attendance_recorded = Signal()
