"""Late release (DESIGN.md, turn 3): a place freed less than LATE_OFFER_DAYS before the start
is offered to the first eligible waiting request for a while, rather than given silently."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Offer(models.Model):
    """One offer of a freed place to a waitlisted request, and what became of it. While it
    runs the request is « offered » and holds the place; an accepted offer whose request
    needs the employer's acceptance gives the approvers until `approval_due_at`."""

    class Status(models.TextChoices):
        OFFERED = "offered", _("proposée, en attente de réponse")
        ACCEPTED = "accepted", _("acceptée")
        DECLINED = "declined", _("déclinée : plus disponible")
        EXPIRED = "expired", _("expirée sans réponse")
        APPROVAL_LAPSED = "approval_lapsed", _("acceptée, sans réponse de l'employeur à temps")
        INELIGIBLE = "ineligible", _("refusée : conditions plus remplies")
        WITHDRAWN = "withdrawn", _("close : demande retirée ou refusée")

    registration = models.ForeignKey(
        "enrollment.Registration",
        verbose_name=_("demande"),
        on_delete=models.CASCADE,
        related_name="offers",
    )
    session = models.ForeignKey(
        "catalog.Session",
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="offers",
    )
    status = models.CharField(
        _("statut"), max_length=20, choices=Status.choices, default=Status.OFFERED
    )
    made_at = models.DateTimeField(_("proposée le"))
    expires_at = models.DateTimeField(_("à accepter avant le"))
    decided_at = models.DateTimeField(_("réponse le"), null=True, blank=True)
    approval_due_at = models.DateTimeField(
        _("réponse de l'employeur attendue avant le"), null=True, blank=True
    )
    reason = models.TextField(_("précision"), blank=True)

    class Meta:
        verbose_name = _("place proposée")
        verbose_name_plural = _("places proposées")
        ordering = ["made_at", "pk"]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="offer_status_expiry"),
            models.Index(fields=["session", "status"], name="offer_session_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["registration"],
                condition=Q(status="offered"),
                name="offer_one_running_per_registration",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("made_at")), name="offer_ends_after_made"
            ),
        ]

    def __str__(self):
        return f"{self.get_status_display()} — {self.registration_id}"
