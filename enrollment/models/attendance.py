"""Attendance: who was there each half-day (`HalfDayAttendance`, the one record the status,
the certificate and the attendance PDF read), the half-day sheets the provider opens for
signing and validates (`AttendanceSheet`), and every correction of attested presence
(`AttendanceCorrection`)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .registrations import Registration


class Half(models.TextChoices):
    MORNING = "am", _("matin")
    AFTERNOON = "pm", _("après-midi")


class HalfDayAttendance(models.Model):
    """Whether a participant was there for one half-day of the session (the attendance
    sheet's rows); the registration is attended when present at least one half-day. A row
    is written by the participant's signature, by the provider (the attendance form, a
    correction) or from the connections to a remote session."""

    Half = Half

    class Source(models.TextChoices):
        SIGNATURE = "signature", _("signée par la personne")
        PROVIDER = "provider", _("notée par le prestataire")
        CONNECTION = "connection", _("d'après les connexions")

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="half_days"
    )
    day = models.DateField(_("jour"))
    half = models.CharField(_("demi-journée"), max_length=2, choices=Half.choices)
    present = models.BooleanField(_("présent·e"))
    source = models.CharField(
        _("origine"), max_length=12, choices=Source.choices, default=Source.PROVIDER
    )
    signed_at = models.DateTimeField(_("signée le"), null=True, blank=True)
    # The signature drawn on a touch screen (PNG), when the person drew one.
    signature = models.BinaryField(_("signature dessinée"), blank=True, default=b"")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("noté par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("noté le"), auto_now=True)

    class Meta:
        verbose_name = _("présence par demi-journée")
        verbose_name_plural = _("présences par demi-journée")
        ordering = ["day", "half"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "day", "half"], name="half_day_attendance_once"
            ),
        ]

    def __str__(self):
        return f"{self.day:%d/%m/%Y} {self.get_half_display()}"


class AttendanceSheet(models.Model):
    """One half-day of a session: the signing window the provider opens (a QR code and a
    short link, a new code at each opening) and the provider's validation of the sheet."""

    session = models.ForeignKey(
        "catalog.Session",
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="attendance_sheets",
    )
    day = models.DateField(_("jour"))
    half = models.CharField(_("demi-journée"), max_length=2, choices=Half.choices)
    code = models.CharField(_("code du lien court"), max_length=12, unique=True, null=True)
    opened_at = models.DateTimeField(_("signature ouverte le"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ouverte par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    closes_at = models.DateTimeField(_("signature close le"), null=True, blank=True)
    validated_at = models.DateTimeField(_("validée le"), null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("validée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    validated_by_name = models.CharField(_("nom de qui a validé"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("feuille d'émargement (demi-journée)")
        verbose_name_plural = _("feuilles d'émargement (demi-journées)")
        ordering = ["session", "day", "half"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "day", "half"], name="attendance_sheet_once"
            ),
        ]

    def __str__(self):
        return f"{self.day:%d/%m/%Y} {self.get_half_display()}"

    def is_open(self, now) -> bool:
        return self.opened_at is not None and self.opened_at <= now < self.closes_at


class AttendanceCorrection(models.Model):
    """A change of a participant's attested presence for one half-day (a signature, or a
    validated sheet): who made it, when, the value before and after, and why."""

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="attendance_corrections"
    )
    day = models.DateField(_("jour"))
    half = models.CharField(_("demi-journée"), max_length=2, choices=Half.choices)
    before = models.BooleanField(_("avant"), null=True, help_text=_("Vide : rien de noté."))
    after = models.BooleanField(_("après"))
    reason = models.TextField(_("motif"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    by_name = models.CharField(_("nom de qui a corrigé"), max_length=300)
    at = models.DateTimeField(_("le"), auto_now_add=True)

    class Meta:
        verbose_name = _("correction de présence")
        verbose_name_plural = _("corrections de présence")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.day:%d/%m/%Y} {self.get_half_display()} : {self.reason}"
