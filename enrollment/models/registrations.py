"""Carts, registrations and their audit trail."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.choices import ENDED_STATUSES, HOLDING_STATUSES, LIVE_STATUSES, RegistrationStatus
from common.text import de_name


class Cart(models.Model):
    """The sessions a professional has chosen and not yet validated (FAQ Q7)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("utilisateur"),
        on_delete=models.CASCADE,
        related_name="cart",
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("panier")
        verbose_name_plural = _("paniers")

    def __str__(self):
        return f"Panier {de_name(str(self.user))}"


class CartItem(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    session = models.ForeignKey(
        "catalog.Session",
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="cart_items",
    )
    added_at = models.DateTimeField(_("ajoutée le"), auto_now_add=True)
    # What the person typed for this item and has not validated yet: kept through removals of
    # other items, failed validations and later visits (R3).
    motivations_draft = models.TextField(_("motivations en cours de saisie"), blank=True)

    class Meta:
        verbose_name = _("élément du panier")
        verbose_name_plural = _("éléments du panier")
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "session"], name="cart_item_once_per_session"),
        ]

    def __str__(self):
        return str(self.session)


class RegistrationQuerySet(models.QuerySet):
    def live(self):
        return self.filter(status__in=LIVE_STATUSES)

    def holding(self):
        return self.filter(status__in=HOLDING_STATUSES)


class Registration(models.Model):
    """One request of a professional for one session."""

    Status = RegistrationStatus

    class WaitlistReason(models.TextChoices):
        FULL = "full", _("Session complète")
        STRUCTURE_CAP = "structure_cap", _("Déjà 2 collègues de votre structure inscrits")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("professionnel"),
        # A deleted account leaves its requests anonymised for the programme's statistics.
        on_delete=models.SET_NULL,
        null=True,
        related_name="registrations",
    )
    session = models.ForeignKey(
        "catalog.Session",
        verbose_name=_("session"),
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    structure = models.ForeignKey(
        "employers.Structure",
        verbose_name=_("structure à la demande"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registrations",
    )
    status = models.CharField(_("statut"), max_length=20, choices=RegistrationStatus.choices)
    submission = models.UUIDField(
        _("validation de panier"),
        default=uuid.uuid4,
        editable=False,
        help_text=_("Les demandes d'un même panier partagent cet identifiant."),
    )
    submitted_at = models.DateTimeField(_("demandée le"), db_index=True)

    # Contact snapshot and motivations (R3).
    first_name = models.CharField(_("prénom"), max_length=150)
    last_name = models.CharField(_("nom"), max_length=150)
    email = models.EmailField(_("adresse électronique"))
    phone = models.CharField(_("téléphone"), max_length=30)
    job_title = models.CharField(_("fonction"), max_length=150)
    motivations = models.TextField(_("motivations et attentes"))

    waitlist_reason = models.CharField(
        _("motif de l'attente"), max_length=20, choices=WaitlistReason.choices, blank=True
    )
    employer_approved_at = models.DateTimeField(
        _("acceptée par l'employeur le"), null=True, blank=True
    )
    employer_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acceptée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    provider_decided_at = models.DateTimeField(
        _("décision du prestataire le"), null=True, blank=True
    )
    decision_reason = models.TextField(_("motif du refus"), blank=True)
    cancelled_at = models.DateTimeField(_("désistement le"), null=True, blank=True)
    cancellation_reason = models.TextField(_("motif du désistement"), blank=True)
    counted_in_quota = models.BooleanField(
        _("décomptée"),
        default=False,
        help_text=_("Désistement tardif : la demande compte dans le quota annuel."),
    )
    approval_reminded_at = models.DateTimeField(_("rappel à l'employeur le"), null=True, blank=True)
    participant_reminded_at = models.DateTimeField(
        _("rappel de la session le"),
        null=True,
        blank=True,
        help_text=_("Rappel envoyé au participant avant la session."),
    )
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("demande d'inscription")
        verbose_name_plural = _("demandes d'inscription")
        ordering = ["submitted_at", "id"]
        indexes = [
            models.Index(fields=["session", "status", "submitted_at"], name="reg_session_status"),
            models.Index(fields=["user", "status"], name="reg_user_status"),
            models.Index(fields=["structure", "status"], name="reg_structure_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "session"],
                # Live: not one of the ended statuses (common.choices.ENDED_STATUSES).
                condition=~Q(status__in=sorted(ENDED_STATUSES)),
                name="registration_one_live_per_user_session",
            ),
            models.CheckConstraint(
                condition=~Q(status="waitlisted") | ~Q(waitlist_reason=""),
                name="registration_waitlist_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(counted_in_quota=False) | Q(status="cancelled"),
                name="registration_counted_only_when_cancelled",
            ),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name} — {self.session}"

    @property
    def holds_place(self) -> bool:
        return self.status in HOLDING_STATUSES

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES


class RegistrationEvent(models.Model):
    """The audit trail: who moved a registration from one state to another, when and why."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(
        _("de"), max_length=20, choices=RegistrationStatus.choices, blank=True
    )
    to_status = models.CharField(_("vers"), max_length=20, choices=RegistrationStatus.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("le"), auto_now_add=True)
    reason = models.TextField(_("motif"), blank=True)

    class Meta:
        verbose_name = _("historique")
        verbose_name_plural = _("historique")
        ordering = ["at", "id"]

    def __str__(self):
        # The states' names, as people read them (the admin shows this in the history).
        return f"{self.get_from_status_display() or '∅'} → {self.get_to_status_display()}"
