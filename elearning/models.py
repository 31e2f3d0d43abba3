from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enrollment.models import Registration


class EnrolmentJob(models.Model):
    """One call to e-ParcoursPro's web services (Q13), recorded in the transaction that
    confirms or withdraws the registration, run by Celery after the commit (like the email
    outbox). Jobs of one person on one course run in the order they were recorded.

    It holds no name: the person is the Moodle username (their id), so a job outlives an
    account deletion without keeping who it was about.
    """

    class Kind(models.TextChoices):
        ENROL = "enrol", _("Inscription")
        SUSPEND = "suspend", _("Suspension")

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
    course_id = models.PositiveIntegerField(_("parcours (cours Moodle)"))
    timestart = models.DateTimeField(_("début de l'inscription"))
    timeend = models.DateTimeField(_("fin de l'inscription"))
    state = models.CharField(_("état"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    error_code = models.CharField(_("code d'erreur Moodle"), max_length=100, blank=True)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), default=timezone.now)
    moodle_user_id = models.PositiveIntegerField(_("compte Moodle (id)"), null=True, blank=True)
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
        return f"{self.get_kind_display()} #{self.moodle_username} → {self.course_id}"
