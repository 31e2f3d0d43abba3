from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from common.choices import Department
from common.identifiers import normalize_postcode, validate_filled, validate_postcode
from common.versioning import VersionedModel

from .constants import BASE_MEMBERSHIP_PRICE, EXTENDED_MEMBERSHIP_PRICE
from .validators import normalize_siret, validate_siret


def _with_price(label, price: int):
    """`label` with its price filled in, translated when shown (choices are built at import,
    before any language is active)."""
    return lazy(lambda: str(label) % {"price": price}, str)()


class StructureQuerySet(models.QuerySet):
    def validated(self):
        return self.filter(is_validated=True)

    def members_for_year(self, year: int):
        """Structures holding a membership for the calendar year `year`."""
        return self.filter(memberships__year=year).distinct()


class Structure(VersionedModel):
    """An employer of professionals, or the one-person structure of an independent.

    Its `version` also counts the changes of what the Employer Space caches about it
    (`employers.selectors.structure_details`): its memberships, its approvers and their
    names, its invitations (the database's triggers, migration employers/0005)."""

    class Kind(models.TextChoices):
        ASSOCIATION = "association", _("Association")
        TRAINING_BODY = "training_body", _("Organisme de formation")
        LOCAL_MISSION = "local_mission", _("Mission locale")
        PUBLIC_BODY = "public_body", _("Établissement ou service public")
        INTEGRATION = "integration", _("Structure d'insertion")
        COMPANY = "company", _("Entreprise")
        INDEPENDENT = "independent", _("Indépendant·e")
        OTHER = "other", _("Autre")

    name = models.CharField(_("nom"), max_length=200)
    siret = models.CharField(_("SIRET"), max_length=14, unique=True, validators=[validate_siret])
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=5, blank=True)
    city = models.CharField(_("ville"), max_length=100, blank=True)
    department = models.CharField(_("département"), max_length=2, choices=Department.choices)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    is_validated = models.BooleanField(
        _("validée par Cap Métiers"),
        default=True,
        help_text=_("Une structure proposée par un utilisateur attend la validation de l'équipe."),
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposed_structures",
    )
    approvers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("valideurs (employeur)"),
        blank=True,
        related_name="approved_structures",
        help_text=_("Les personnes qui acceptent ou refusent les demandes des salariés."),
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    objects = StructureQuerySet.as_manager()

    class Meta:
        verbose_name = _("structure")
        verbose_name_plural = _("structures")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(siret__regex=r"^[0-9]{14}$"), name="structure_siret_14_digits"
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.normalize_identifiers()
        super().save(*args, **kwargs)

    def clean_fields(self, exclude=None):
        self.normalize_identifiers()
        super().clean_fields(exclude=exclude)

    def clean(self):
        validate_filled(self, {"postal_code": validate_postcode})

    def normalize_identifiers(self):
        """The SIRET and the postcode are stored as bare digits (0-9), however they were
        typed (`common.identifiers`)."""
        self.siret = normalize_siret(self.siret)
        self.postal_code = normalize_postcode(self.postal_code)

    @property
    def is_independent(self):
        return self.kind == self.Kind.INDEPENDENT


class Membership(models.Model):
    """A structure's yearly membership of Cap Métiers (FAQ Q3)."""

    class Formula(models.TextChoices):
        BASE = "base", _with_price(_("Cotisation de base (%(price)s €)"), BASE_MEMBERSHIP_PRICE)
        EXTENDED = (
            "extended",
            _with_price(
                _("Cotisation élargie (%(price)s €, salles à Pessac)"), EXTENDED_MEMBERSHIP_PRICE
            ),
        )

    # The default amount of a membership: its formula's price (employers.constants).
    PRICES = {
        Formula.BASE: Decimal(BASE_MEMBERSHIP_PRICE).quantize(Decimal("0.01")),
        Formula.EXTENDED: Decimal(EXTENDED_MEMBERSHIP_PRICE).quantize(Decimal("0.01")),
    }

    structure = models.ForeignKey(
        Structure, verbose_name=_("structure"), on_delete=models.CASCADE, related_name="memberships"
    )
    year = models.PositiveSmallIntegerField(_("année civile"))
    formula = models.CharField(_("formule"), max_length=10, choices=Formula.choices)
    amount = models.DecimalField(_("montant (€)"), max_digits=7, decimal_places=2, blank=True)
    paid_on = models.DateField(_("payée le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("adhésion")
        verbose_name_plural = _("adhésions")
        ordering = ["-year", "structure__name"]
        constraints = [
            models.UniqueConstraint(fields=["structure", "year"], name="membership_one_per_year"),
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100), name="membership_year_sane"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="membership_amount_positive"),
        ]

    def __str__(self):
        return f"{self.structure} — {self.year} ({self.get_formula_display()})"

    def save(self, *args, **kwargs):
        if self.amount is None:
            self.amount = self.PRICES[self.formula]
        super().save(*args, **kwargs)

    @property
    def is_paid(self):
        return self.paid_on is not None


class ApproverInvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(accepted_at__isnull=True)


class ApproverInvitation(models.Model):
    """An invitation, sent by email, to approve the requests of a structure (R4).

    The token in the link is bound to `email`: only the account with that address can accept.
    """

    structure = models.ForeignKey(
        Structure,
        verbose_name=_("structure"),
        on_delete=models.CASCADE,
        related_name="approver_invitations",
    )
    email = models.EmailField(_("adresse électronique invitée"))
    token = models.CharField(_("jeton"), max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invitée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("envoyée le"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acceptée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ApproverInvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation de valideur")
        verbose_name_plural = _("invitations de valideurs")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.email} → {self.structure}"

    @property
    def is_accepted(self) -> bool:
        return self.accepted_at is not None


class ApprovalReminder(models.Model):
    """One reminder sent to the approvers about one pending request (R9), so that the periodic
    task never sends the same reminder twice."""

    class Kind(models.TextChoices):
        PENDING = "pending", _("Demande en attente depuis plusieurs jours")
        DEADLINE = "deadline", _("Date limite d'inscription proche")

    registration = models.ForeignKey(
        "enrollment.Registration",
        verbose_name=_("demande"),
        on_delete=models.CASCADE,
        related_name="approval_reminders",
    )
    kind = models.CharField(_("type de rappel"), max_length=10, choices=Kind.choices)
    sent_at = models.DateTimeField(_("envoyé le"))

    class Meta:
        verbose_name = _("rappel aux valideurs")
        verbose_name_plural = _("rappels aux valideurs")
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "kind"], name="approval_reminder_once_per_kind"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.registration_id}"


class AttachmentQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=Attachment.Status.PENDING)


class Attachment(models.Model):
    """A person's request to belong to a structure (*rattachement*), confirmed by one of its
    approvers or by staff (DESIGN.md, Decisions « Attachment »). Until then the person is not
    the structure's employee: `User.structure` changes only on acceptance."""

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente de confirmation")
        ACCEPTED = "accepted", _("Confirmé")
        REFUSED = "refused", _("Refusé")
        WITHDRAWN = "withdrawn", _("Annulé par la personne")
        ENDED = "ended", _("Terminé")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    structure = models.ForeignKey(
        Structure,
        verbose_name=_("structure"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    requested_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    decided_at = models.DateTimeField(_("décidé le"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("décidé par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.TextField(_("motif"), blank=True)
    # When its approvers (or staff) were asked to confirm it: once the person's address is
    # verified, never before (employers.attachments.tell_deciders).
    deciders_told_at = models.DateTimeField(
        _("valideurs prévenus le"), null=True, blank=True, editable=False
    )

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("rattachement")
        verbose_name_plural = _("rattachements")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status="pending"),
                name="attachment_one_pending_per_user",
            ),
        ]
        indexes = [models.Index(fields=["structure", "status"], name="attachment_structure")]

    def __str__(self):
        return f"{self.user} → {self.structure} ({self.get_status_display()})"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING
