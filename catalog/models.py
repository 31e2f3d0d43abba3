import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.choices import Department
from common.identifiers import (
    normalize_nda,
    normalize_phone,
    normalize_postcode,
    normalize_siret,
    validate_filled,
    validate_nda,
    validate_phone,
    validate_postcode,
    validate_siret,
)
from common.versioning import VersionedModel


class Theme(models.Model):
    name = models.CharField(_("nom"), max_length=120, unique=True)
    slug = models.SlugField(_("identifiant"), max_length=140, unique=True)

    class Meta:
        verbose_name = _("thématique")
        verbose_name_plural = _("thématiques")
        ordering = ["name"]

    def __str__(self):
        return self.name


# The provider's phones: its own, and its referents' (printed on the conventions).
PHONE_FIELDS = (
    "phone",
    *(f"{r}_referent_phone" for r in ("pedagogical", "administrative", "disability")),
)


class Provider(models.Model):
    """A training body that runs sessions and makes requests effective (R10)."""

    name = models.CharField(_("nom"), max_length=200, unique=True)
    email = models.EmailField(_("adresse électronique"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    website = models.URLField(_("site web"), blank=True)
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("comptes du prestataire"),
        blank=True,
        related_name="providers",
    )
    # Legal identity, for the participation documents (convention, convocation, certificate).
    legal_name = models.CharField(_("raison sociale"), max_length=200, blank=True)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, validators=[validate_siret])
    nda = models.CharField(
        _("numéro de déclaration d'activité"),
        max_length=11,
        blank=True,
        validators=[validate_nda],
        help_text=_("11 chiffres, attribué par la préfecture de région (DREETS)."),
    )
    street = models.CharField(_("adresse"), max_length=255, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=5, blank=True)
    city = models.CharField(_("ville"), max_length=100, blank=True)
    signatory_name = models.CharField(_("nom du signataire"), max_length=150, blank=True)
    signatory_role = models.CharField(_("fonction du signataire"), max_length=150, blank=True)
    pedagogical_referent_name = models.CharField(
        _("référent pédagogique"), max_length=150, blank=True
    )
    pedagogical_referent_email = models.EmailField(
        _("adresse électronique du référent pédagogique"), blank=True
    )
    pedagogical_referent_phone = models.CharField(
        _("téléphone du référent pédagogique"), max_length=30, blank=True
    )
    administrative_referent_name = models.CharField(
        _("référent administratif"), max_length=150, blank=True
    )
    administrative_referent_email = models.EmailField(
        _("adresse électronique du référent administratif"), blank=True
    )
    administrative_referent_phone = models.CharField(
        _("téléphone du référent administratif"), max_length=30, blank=True
    )
    disability_referent_name = models.CharField(_("référent handicap"), max_length=150, blank=True)
    disability_referent_email = models.EmailField(
        _("adresse électronique du référent handicap"), blank=True
    )
    disability_referent_phone = models.CharField(
        _("téléphone du référent handicap"), max_length=30, blank=True
    )

    class Meta:
        verbose_name = _("prestataire")
        verbose_name_plural = _("prestataires")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(siret="") | Q(siret__regex=r"^[0-9]{14}$"),
                name="provider_siret_14_digits_or_empty",
            ),
            models.CheckConstraint(
                condition=Q(nda="") | Q(nda__regex=r"^[0-9]{11}$"),
                name="provider_nda_11_digits_or_empty",
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
        checks = {"postal_code": validate_postcode, **dict.fromkeys(PHONE_FIELDS, validate_phone)}
        validate_filled(self, checks)

    def normalize_identifiers(self):
        """SIRET, NDA and postcode are stored as bare digits (0-9), however they were typed,
        and phones with their spaces collapsed (`common.identifiers`)."""
        self.siret = normalize_siret(self.siret)
        self.nda = normalize_nda(self.nda)
        self.postal_code = normalize_postcode(self.postal_code)
        for name in PHONE_FIELDS:
            setattr(self, name, normalize_phone(getattr(self, name)))


class ActionKind(models.TextChoices):
    """The kinds of action of DESIGN.md (FAQ Q3, Q4, Q10)."""

    TRAINING = "training", _("Action de formation")
    TUTORED_SELF_TRAINING = "tutored_self_training", _("Autoformation tutorée")
    PRACTICE_WORKSHOP = "practice_workshop", _("Atelier d'échanges de pratiques")
    DISCOVERY_MODULE = "discovery_module", _("Module découverte")
    WEBINAR = "webinar", _("Webinaire")
    CONFERENCE = "conference", _("Conférence")
    ROUND_TABLE = "round_table", _("Table ronde")
    WEB_WORKSHOP = "web_workshop", _("Webatelier")


MEMBER_ONLY_KINDS = frozenset(
    {
        ActionKind.TRAINING,
        ActionKind.TUTORED_SELF_TRAINING,
        ActionKind.PRACTICE_WORKSHOP,
        ActionKind.DISCOVERY_MODULE,
    }
)
SHORT_FORMAT_KINDS = frozenset(set(ActionKind) - MEMBER_ONLY_KINDS)


def is_member_only(kind: str) -> bool:
    """Q3: trainings, tutored self-training, practice workshops and discovery modules."""
    return kind in MEMBER_ONLY_KINDS


class ActionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def member_only(self):
        return self.filter(kind__in=MEMBER_ONLY_KINDS)


class Action(VersionedModel):
    """A professional-development action of the catalogue; it runs as one or more sessions."""

    Kind = ActionKind

    title = models.CharField(_("titre"), max_length=200)
    slug = models.SlugField(_("identifiant d'URL"), max_length=220, unique=True)
    kind = models.CharField(_("type d'action"), max_length=30, choices=ActionKind.choices)
    summary = models.TextField(_("résumé"))
    objectives = models.TextField(_("objectifs"))
    audience = models.TextField(_("public"), blank=True)
    prerequisites = models.TextField(_("prérequis"), blank=True)
    programme = models.TextField(_("programme"), blank=True)
    duration_days = models.DecimalField(
        _("durée (jours)"), max_digits=3, decimal_places=1, help_text=_("Par exemple 0,5 ou 2.")
    )
    theme = models.ForeignKey(
        Theme, verbose_name=_("thématique"), on_delete=models.PROTECT, related_name="actions"
    )
    provider = models.ForeignKey(
        Provider, verbose_name=_("prestataire"), on_delete=models.PROTECT, related_name="actions"
    )
    is_published = models.BooleanField(_("publiée"), default=True)
    e_parcourspro_course_id = models.PositiveIntegerField(
        _("parcours e-ParcoursPro (identifiant du cours Moodle)"),
        null=True,
        blank=True,
        help_text=_(
            "Autoformation tutorée seulement : l'identifiant du cours sur e-ParcoursPro "
            "(le nombre après « id= » dans l'adresse du cours, …/course/view.php?id=42). "
            "Les participants confirmés y sont inscrits automatiquement."
        ),
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = ActionQuerySet.as_manager()

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_days__gt=0), name="action_duration_positive"
            ),
            models.CheckConstraint(
                condition=~Q(kind="training") | Q(duration_days__gte=1, duration_days__lte=3),
                name="action_training_lasts_1_to_3_days",
            ),
            models.CheckConstraint(
                condition=Q(e_parcourspro_course_id__isnull=True) | Q(kind="tutored_self_training"),
                name="action_course_only_for_tutored_self_training",
                violation_error_message=_(
                    "Seule une autoformation tutorée a un parcours sur e-ParcoursPro."
                ),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("catalog:action_detail", kwargs={"slug": self.slug})

    def clean(self):
        super().clean()
        if self.e_parcourspro_course_id and self.kind != ActionKind.TUTORED_SELF_TRAINING:
            raise ValidationError(
                {
                    "e_parcourspro_course_id": _(
                        "Seule une autoformation tutorée a un parcours sur e-ParcoursPro : "
                        "videz ce champ ou choisissez le type « Autoformation tutorée »."
                    )
                }
            )

    @property
    def is_member_only(self) -> bool:
        return is_member_only(self.kind)

    @property
    def is_training(self) -> bool:
        return self.kind == ActionKind.TRAINING

    @property
    def e_parcourspro_course_url(self) -> str:
        """The course's page on e-ParcoursPro (Q13), or "" without a course."""
        if not self.e_parcourspro_course_id:
            return ""
        base = settings.E_PARCOURSPRO_URL.rstrip("/")
        return f"{base}/course/view.php?id={self.e_parcourspro_course_id}"


class SessionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Session.Status.PUBLISHED, action__is_published=True)

    def upcoming(self, now=None):
        return self.filter(starts_at__gt=now or timezone.now())

    def open_for_registration(self, now=None):
        now = now or timezone.now()
        return self.published().filter(registration_deadline__gt=now, starts_at__gt=now)


class Session(VersionedModel):
    """One run of an action, with its dates, place and capacity."""

    class Status(models.TextChoices):
        PUBLISHED = "published", _("Publiée")
        CANCELLED = "cancelled", _("Annulée")

    class Format(models.TextChoices):
        ON_SITE = "on_site", _("En présentiel")
        REMOTE = "remote", _("À distance")

    action = models.ForeignKey(
        Action, verbose_name=_("action"), on_delete=models.CASCADE, related_name="sessions"
    )
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))
    format = models.CharField(
        _("format"), max_length=10, choices=Format.choices, default=Format.ON_SITE
    )
    location = models.CharField(_("lieu"), max_length=255, blank=True)
    remote_url = models.URLField(_("lien de connexion"), blank=True)
    department = models.CharField(
        _("département"), max_length=2, choices=Department.choices, blank=True
    )
    capacity = models.PositiveIntegerField(_("nombre de places"))
    registration_deadline = models.DateTimeField(_("date limite d'inscription"))
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.PUBLISHED
    )
    cap_released_at = models.DateTimeField(
        _("plafond par structure levé le"), null=True, blank=True, editable=False
    )
    calendar_sequence = models.PositiveIntegerField(_("révision .ics"), default=0, editable=False)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["status", "starts_at"], name="session_status_start"),
            # The catalogue's per-action subqueries: next session, "has an upcoming session".
            models.Index(fields=["action", "status", "starts_at"], name="session_action_start"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gt=0), name="session_capacity_positive"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(registration_deadline__lte=F("starts_at")),
                name="session_deadline_before_start",
            ),
        ]

    def __str__(self):
        local = timezone.localtime(self.starts_at)
        return f"{self.action.title} — {local:%d/%m/%Y}"

    def get_absolute_url(self):
        return self.action.get_absolute_url() + f"#session-{self.pk}"

    @property
    def is_remote(self):
        return self.format == self.Format.REMOTE

    @property
    def is_cancelled(self):
        return self.status == self.Status.CANCELLED

    def days(self) -> list[dt.date]:
        """The days the session runs, in Paris time. Weekend days inside a longer session are
        left out (nobody trains on Sunday), unless the session starts or ends on them; the
        attendance sheet and the convocation's calendar file both follow them."""
        starts = timezone.localtime(self.starts_at)
        ends = timezone.localtime(self.ends_at)
        days = []
        day = starts.date()
        while day <= ends.date():
            midnight = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
            runs_that_day = max(starts, midnight) < min(ends, midnight + dt.timedelta(days=1))
            if runs_that_day and (day.weekday() < 5 or day in (starts.date(), ends.date())):
                days.append(day)
            day += dt.timedelta(days=1)
        return days


class FaqEntry(models.Model):
    """One question of the FAQ page, managed by staff."""

    class Category(models.TextChoices):
        PROGRAMME = "programme", _("Le programme")
        AUDIENCE = "audience", _("Pour qui ?")
        MEMBERSHIP = "membership", _("Adhésion")
        REGISTRATION = "registration", _("Comment s'inscrire ?")
        QUOTAS = "quotas", _("Inscriptions multiples")
        CANCELLATION = "cancellation", _("Annulation")
        E_PARCOURSPRO = "e_parcourspro", _("e-ParcoursPro")
        FUNDING = "funding", _("Financement")

    question = models.CharField(_("question"), max_length=300)
    answer = models.TextField(
        _("réponse"), help_text=_("Texte simple ; une ligne vide sépare les paragraphes.")
    )
    category = models.CharField(_("rubrique"), max_length=20, choices=Category.choices)
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)
    is_published = models.BooleanField(_("publiée"), default=True)

    class Meta:
        verbose_name = _("question de la FAQ")
        verbose_name_plural = _("FAQ")
        ordering = ["order", "id"]

    def __str__(self):
        return self.question
