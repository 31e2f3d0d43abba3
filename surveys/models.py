"""Questionnaires, their answers, and the one warning per session of a poor mix.

Answers are personal data (DESIGN.md, turn 3 « Satisfaction »): providers and employers see
aggregates of at least `SURVEY_PRIVACY_THRESHOLD` answers; staff see the answers, and the
person's name only when they ticked `consent_named`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

SCORES = range(1, 6)


class Survey(models.Model):
    """One questionnaire sent about one session: to a participant (« à chaud » at its end,
    « à froid » later), or to a structure's approvers (« à froid », once per structure and
    session). The link in the email carries `token`; logged-in people reach it from « Mon
    espace », where the person is checked."""

    class Kind(models.TextChoices):
        HOT = "hot", _("À chaud")
        COLD = "cold", _("À froid")
        EMPLOYER = "employer", _("Employeur, à froid")

    kind = models.CharField(_("questionnaire"), max_length=10, choices=Kind.choices)
    session = models.ForeignKey(
        "catalog.Session",
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="surveys",
    )
    registration = models.ForeignKey(
        "enrollment.Registration",
        verbose_name=_("inscription"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="surveys",
    )
    structure = models.ForeignKey(
        "employers.Structure",
        verbose_name=_("structure"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="surveys",
        help_text=_("Questionnaire employeur : la structure interrogée."),
    )
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("participant·e"),
        # A deleted account leaves its answers for the statistics, without a name.
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="surveys",
    )
    token = models.CharField(_("jeton"), max_length=64, unique=True, editable=False)
    sent_at = models.DateTimeField(_("envoyé le"))
    closes_at = models.DateTimeField(_("clos le"))
    reminded_at = models.DateTimeField(_("relancé le"), null=True, blank=True)
    answered_at = models.DateTimeField(_("répondu le"), null=True, blank=True)

    class Meta:
        verbose_name = _("questionnaire de satisfaction")
        verbose_name_plural = _("questionnaires de satisfaction")
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["session", "kind"], name="survey_session_kind"),
            models.Index(fields=["answered_at", "reminded_at", "sent_at"], name="survey_due"),
        ]
        constraints = [
            # One questionnaire of each kind per participant of a session...
            models.UniqueConstraint(
                fields=["registration", "kind"],
                condition=Q(registration__isnull=False),
                name="survey_once_per_registration",
            ),
            models.UniqueConstraint(
                fields=["respondent", "session", "kind"],
                condition=Q(respondent__isnull=False),
                name="survey_once_per_person",
            ),
            # ... and one to the employer per structure and session.
            models.UniqueConstraint(
                fields=["session", "structure"],
                condition=Q(kind="employer"),
                name="survey_employer_once_per_structure",
            ),
            models.CheckConstraint(
                condition=Q(kind="employer", structure__isnull=False, registration__isnull=True)
                | Q(kind__in=["hot", "cold"], registration__isnull=False),
                name="survey_kind_has_its_subject",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.session}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    @property
    def is_for_employer(self) -> bool:
        return self.kind == self.Kind.EMPLOYER


def _score(label):
    return models.PositiveSmallIntegerField(label, null=True, blank=True)


class SurveyAnswer(models.Model):
    """The answer to one questionnaire: at most one (the primary key is the questionnaire)."""

    survey = models.OneToOneField(
        Survey,
        verbose_name=_("questionnaire"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="answer",
    )
    objectives = _score(_("objectifs atteints"))
    content = _score(_("contenu"))
    trainer = _score(_("intervenant·e"))
    organisation = _score(_("organisation"))
    impact = _score(_("effet sur la pratique"))
    comment = models.TextField(_("commentaire"), blank=True)
    consent_named = models.BooleanField(
        _("transmission nominative acceptée"),
        default=False,
        help_text=_("Sans cet accord, l'équipe lit la réponse sans le nom de la personne."),
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("répondu par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("répondu le"))

    class Meta:
        verbose_name = _("réponse au questionnaire")
        verbose_name_plural = _("réponses aux questionnaires")
        ordering = ["-answered_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__range": (1, 5)}),
                name=f"survey_answer_{name}_1_to_5",
            )
            for name in ("objectives", "content", "trainer", "organisation", "impact")
        ]

    def __str__(self):
        return str(self.survey)


class MixWarning(models.Model):
    """Staff were told that a session's mix is poor (Q9): once per session."""

    session = models.OneToOneField(
        "catalog.Session",
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="mix_warning",
    )
    warned_at = models.DateTimeField(_("signalée le"))
    reasons = models.TextField(_("motifs"))

    class Meta:
        verbose_name = _("alerte de mixité")
        verbose_name_plural = _("alertes de mixité")
        ordering = ["-warned_at"]

    def __str__(self):
        return str(self.session)
