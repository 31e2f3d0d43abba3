from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# What an erased email's subject becomes: subjects name people (« Désistement de … »).
ERASED_SUBJECT = "Courriel effacé (données personnelles)"
RETENTION_ERASED_SUBJECT = "Courriel effacé (durée de conservation écoulée)"


class EmailQuerySet(models.QuerySet):
    def unsent(self):
        """The emails to send: not sent, not given up, waiting for nothing."""
        return self.filter(sent_at__isnull=True, gave_up=False, awaits="")

    def due(self, now):
        """The emails to send whose next attempt has come (`next_attempt_at`)."""
        return self.unsent().filter(next_attempt_at__lte=now)

    def erase(self, *, subject: str) -> int:
        """Erase what the emails said (subject, bodies, attachments, the context of one not
        rendered yet); who received them, of which kind and when stay, for the audit. Returns
        the number of emails erased."""
        return self.update(
            subject=subject,
            body_text="",
            body_html="",
            attachments=[],
            context=None,
            erased_at=timezone.now(),
        )


class Email(models.Model):
    """An outgoing email, recorded in the transaction that causes it (the outbox).

    It is recorded with its template's context as it was then (`context`, pickled) and
    rendered once, by whoever sends it, after the commit (`outbox.deliver`): subject and
    bodies are stored and the context cleared. A Celery task sends it after the commit; a
    periodic sweep sends what the broker missed and what failed, once `next_attempt_at` has
    come (a growing delay, `common.retry`), until it is given up `EMAIL_GIVE_UP_HOURS` after
    `pending_since`.

    Each attempt is recorded (`attempts`, `sending_started_at`) and committed before SMTP is
    spoken to (`delivery.deliver`); an attempt found still open afterwards (the worker died
    between SMTP's acceptance and the commit) is sent again with the same Message-ID and
    counted in `possible_duplicates`: never sent twice without a trace.
    """

    template = models.CharField(_("modèle"), max_length=100)
    to = models.EmailField(_("destinataire"))
    subject = models.CharField(_("objet"), max_length=255)
    body_text = models.TextField(_("texte"))
    body_html = models.TextField(_("HTML"), blank=True)
    attachments = models.JSONField(
        _("pièces jointes"),
        default=list,
        blank=True,
        help_text=_(
            "Liste de {filename, mimetype} avec le contenu (content, en base64) ou le fichier "
            "d'un stockage Django (storage, name)."
        ),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    gave_up = models.BooleanField(_("abandonné"), default=False)
    gave_up_at = models.DateTimeField(_("abandonné le"), null=True, blank=True)
    pending_since = models.DateTimeField(
        _("à envoyer depuis"),
        default=timezone.now,
        help_text=_(
            "Le courriel est abandonné (et l'équipe prévenue) s'il n'est pas parti "
            "EMAIL_GIVE_UP_HOURS heures après ce moment."
        ),
    )
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), default=timezone.now)
    sending_started_at = models.DateTimeField(
        _("envoi commencé le"),
        null=True,
        blank=True,
        help_text=_(
            "Une tentative en cours : enregistrée avant de parler au serveur SMTP, effacée "
            "quand son issue l'est."
        ),
    )
    possible_duplicates = models.PositiveSmallIntegerField(
        _("doublons possibles"),
        default=0,
        help_text=_(
            "Tentatives restées sans issue (le processus a pu s'arrêter après l'acceptation "
            "du serveur SMTP) : le courriel est renvoyé avec le même Message-ID et compté ici."
        ),
    )
    concerns = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personnes concernées"),
        blank=True,
        related_name="emails_about",
        help_text=_(
            "Les personnes dont le courriel parle : à la suppression de leur compte, "
            "son contenu est effacé."
        ),
    )
    context = models.BinaryField(
        _("contexte à rédiger"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "Le contexte du modèle tel qu'il était à l'enregistrement (pickle) : le courriel "
            "est rédigé une fois, avant son envoi, puis ce contexte est effacé."
        ),
    )
    awaits = models.CharField(
        _("en attente de"),
        max_length=100,
        blank=True,
        default="",
        help_text=_(
            "Ce que le courriel attend pour partir : une pièce jointe qu'une autre partie de "
            "la plateforme produit (par exemple « convocation:12 ») ; vide s'il peut partir."
        ),
    )
    erased_at = models.DateTimeField(
        _("contenu effacé le"),
        null=True,
        blank=True,
        help_text=_("Objet, texte et pièces jointes effacés (données personnelles)."),
    )

    objects = EmailQuerySet.as_manager()

    class Meta:
        verbose_name = _("courriel")
        verbose_name_plural = _("courriels")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["sent_at", "created_at"], name="email_outbox"),
            models.Index(fields=["awaits"], condition=~Q(awaits=""), name="email_awaiting"),
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(sent_at__isnull=True, gave_up=False),
                name="email_due",
            ),
        ]

    def __str__(self):
        return f"{self.subject} → {self.to}"
