from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enrollment.models import Registration


class EnrolmentJob(models.Model):
    """One operation on e-ParcoursPro through Moodle's web services (Q13), recorded in the
    transaction that causes it (a confirmation, a withdrawal, a change of the person's address
    or name), run by Celery after the commit (like the email outbox). Jobs of one person on one
    course run in the order they were recorded.

    It holds no name: the person is their ParcoursPro account number (`moodle_username`), so a
    job outlives an account deletion without keeping who it was about.
    """

    class Kind(models.TextChoices):
        ENROL = "enrol", _("Inscription")
        SUSPEND = "suspend", _("Suspension")
        # The person's address or name changed on ParcoursPro: their e-ParcoursPro account
        # follows (Moodle links a login to an account by its address: docs/E-PARCOURSPRO.md).
        ACCOUNT = "account", _("Mise à jour du compte")

    class State(models.TextChoices):
        PENDING = "pending", _("À envoyer")
        DONE = "done", _("Faite")
        FAILED = "failed", _("En échec")
        SKIPPED = "skipped", _("Sans objet")

    registration = models.ForeignKey(
        Registration,
        verbose_name=_("demande d'inscription"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enrolment_jobs",
    )
    kind = models.CharField(_("opération"), max_length=10, choices=Kind.choices)
    moodle_username = models.CharField(
        _("identifiant e-ParcoursPro"),
        max_length=100,
        help_text=_("L'identifiant ParcoursPro de la personne (aucun nom n'est conservé)."),
    )
    course_id = models.PositiveIntegerField(_("parcours (cours Moodle)"), null=True, blank=True)
    timestart = models.DateTimeField(_("début de l'accès"), null=True, blank=True)
    timeend = models.DateTimeField(_("fin de l'accès"), null=True, blank=True)
    state = models.CharField(_("état"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    error_code = models.CharField(_("code d'erreur"), max_length=100, blank=True)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    error_debuginfo = models.TextField(
        _("détail de l'erreur (debuginfo)"),
        blank=True,
        help_text=_("Envoyé par Moodle seulement quand son débogage est activé."),
    )
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), default=timezone.now)
    pending_since = models.DateTimeField(
        _("à envoyer depuis"),
        default=timezone.now,
        help_text=_("Une opération que Moodle ne reçoit pas est abandonnée passé un délai."),
    )
    gave_up_at = models.DateTimeField(_("abandonnée le"), null=True, blank=True)
    moodle_user_id = models.PositiveIntegerField(_("compte Moodle (id)"), null=True, blank=True)
    welcomed_at = models.DateTimeField(_("tutoriel envoyé le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    done_at = models.DateTimeField(_("faite le"), null=True, blank=True)

    class Meta:
        verbose_name = _("opération e-ParcoursPro")
        verbose_name_plural = _("opérations e-ParcoursPro")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "kind"], name="enrolment_job_once_per_registration"
            ),
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="enrolment_job_due"),
            models.Index(fields=["moodle_username", "course_id"], name="enrolment_job_line"),
        ]

    def __str__(self):
        if self.course_id is None:
            return f"{self.get_kind_display()} #{self.moodle_username}"
        return f"{self.get_kind_display()} #{self.moodle_username} → {self.course_id}"
