from django.db import models
from django.utils.translation import gettext_lazy as _


class EmailQuerySet(models.QuerySet):
    def unsent(self):
        return self.filter(sent_at__isnull=True, gave_up=False)


class Email(models.Model):
    """An outgoing email, recorded in the transaction that causes it (the outbox).

    A Celery task sends it after commit; a periodic sweep sends what the broker missed.
    `sent_at` is set under a row lock, so a retry never sends an email twice.
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
        help_text=_("Liste de {filename, content, mimetype}."),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    gave_up = models.BooleanField(_("abandonné"), default=False)

    objects = EmailQuerySet.as_manager()

    class Meta:
        verbose_name = _("courriel")
        verbose_name_plural = _("courriels")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["sent_at", "created_at"], name="email_outbox")]

    def __str__(self):
        return f"{self.subject} → {self.to}"
