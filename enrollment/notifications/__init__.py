"""The emails that registrations and sessions cause, recorded in the outbox of the current
transaction (`mailing.outbox`): rendered and sent after the commit.

- `requests`: a request's steps (validation, decisions, withdrawal, waiting list, reminders);
- `sessions`: a session changed or cancelled by staff;
- `common`: the links every email gives, who approves for a request.
"""

from .requests import (
    CONVOCATION_AWAITED,
    CancellationRecipients,
    cancellation_recipients,
    cancelled,
    cart_submitted,
    convocation_awaited,
    employer_decided,
    employer_decided_together,
    lapsed,
    promoted,
    promotion_skipped,
    provider_decided,
    session_reminder,
    structure_left_without_approver,
)
from .sessions import has_convocation, session_cancelled, session_changed

__all__ = [
    "CONVOCATION_AWAITED",
    "CancellationRecipients",
    "cancellation_recipients",
    "cancelled",
    "cart_submitted",
    "convocation_awaited",
    "employer_decided",
    "employer_decided_together",
    "has_convocation",
    "lapsed",
    "promoted",
    "promotion_skipped",
    "provider_decided",
    "session_cancelled",
    "session_changed",
    "session_reminder",
    "structure_left_without_approver",
]
