"""The models of registrations (`registrations`), late-release offers (`offers`) and
attendance (`attendance`), importable from `enrollment.models`."""

from common.choices import HOLDING_STATUSES, LIVE_STATUSES, QUOTA_STATUSES, RegistrationStatus

from .attendance import AttendanceCorrection, AttendanceSheet, HalfDayAttendance
from .offers import Offer
from .registrations import Cart, CartItem, Registration, RegistrationEvent, RegistrationQuerySet

__all__ = [
    "HOLDING_STATUSES",
    "LIVE_STATUSES",
    "QUOTA_STATUSES",
    "AttendanceCorrection",
    "AttendanceSheet",
    "Cart",
    "CartItem",
    "HalfDayAttendance",
    "Offer",
    "Registration",
    "RegistrationEvent",
    "RegistrationQuerySet",
    "RegistrationStatus",
]
