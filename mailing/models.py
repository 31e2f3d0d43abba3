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
    periodic sweep sends what the broker missed. `sent_at` is set under a row lock, so a
    retry never sends an email twice.
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
        ]

    def __str__(self):
        return f"{self.subject} → {self.to}"
