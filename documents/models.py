"""The participation documents (convention de formation, convocation, certificat de
réalisation): each generated PDF is one stored, hashed, never rewritten version."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# The alias of the documents' storage in settings.STORAGES (emails attach from it by name).
STORAGE = "documents"


def documents_storage():
    """The storage of the alias "documents" (settings.STORAGES): private, never served as
    static files; downloads go through the permission-checked views."""
    return storages[STORAGE]


def document_path(document: Document, filename: str) -> str:
    return f"{document.kind}/{document.session_id}/{filename}"


class Document(models.Model):
    """One generated version of a document. A convention belongs to a structure and a
    session (its participants of that structure); a convocation and a certificate to one
    registration; the signed attendance sheet to the session. A new version is added when
    what the document says changes; old ones stay."""

    class Kind(models.TextChoices):
        CONVENTION = "convention", _("Convention de formation")
        CONVOCATION = "convocation", _("Convocation")
        CERTIFICATE = "certificate", _("Certificat de réalisation")
        ATTENDANCE = "attendance", _("Feuille d'émargement signée")

    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    session = models.ForeignKey(
        "catalog.Session",
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="documents",
    )
    structure = models.ForeignKey(
        "employers.Structure",
        verbose_name=_("structure"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="documents",
    )
    registration = models.ForeignKey(
        "enrollment.Registration",
        verbose_name=_("inscription"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="documents",
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    file = models.FileField(
        _("fichier"), storage=documents_storage, upload_to=document_path, max_length=255
    )
    sha256 = models.CharField(_("empreinte SHA-256 du fichier"), max_length=64)
    # What the content depends on (participants, hours…): equal → no new version needed.
    source = models.JSONField(_("données sources"), default=dict, blank=True)
    generated_at = models.DateTimeField(_("généré le"), auto_now_add=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["session", "kind", "structure", "registration", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "session", "structure", "version"],
                condition=Q(kind="convention"),
                name="document_convention_version_unique",
            ),
            models.UniqueConstraint(
                fields=["kind", "registration", "version"],
                condition=Q(kind__in=["convocation", "certificate"]),
                name="document_registration_version_unique",
            ),
            models.UniqueConstraint(
                fields=["kind", "session", "version"],
                condition=Q(kind="attendance"),
                name="document_session_version_unique",
            ),
            # A convention is a structure's, a convocation or a certificate a registration's,
            # the signed attendance sheet the session's.
            models.CheckConstraint(
                condition=(Q(kind="convention") & Q(structure__isnull=False))
                | (Q(kind__in=["convocation", "certificate"]) & Q(registration__isnull=False))
                | (Q(kind="attendance") & Q(structure__isnull=True, registration__isnull=True)),
                name="document_owner_matches_kind",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} v{self.version} — {self.session_id}"

    @property
    def filename(self) -> str:
        return self.file.name.rsplit("/", 1)[-1]


class ConventionAcceptance(models.Model):
    """The approver's electronic acceptance of one convention version.

    `accepted_sha256` is the binding hash: the SHA-256 of the exact file the approver was
    shown and accepted (`document.file`, equal to `document.sha256` at acceptance). The
    copy with the acceptance block printed on it (`signed_file`, hash `signed_sha256`) is
    rendered afterwards for reading; it quotes `accepted_sha256`.
    """

    document = models.OneToOneField(
        Document,
        verbose_name=_("version acceptée"),
        on_delete=models.CASCADE,
        related_name="acceptance",
        limit_choices_to={"kind": "convention"},
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acceptée par"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    accepted_by_name = models.CharField(_("nom du signataire"), max_length=300)
    accepted_at = models.DateTimeField(_("acceptée le"))
    ip = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    accepted_sha256 = models.CharField(_("empreinte SHA-256 de la version acceptée"), max_length=64)
    signed_file = models.FileField(
        _("exemplaire avec le bloc d'acceptation"),
        storage=documents_storage,
        upload_to="convention/accepted/",
        max_length=255,
        blank=True,
    )
    signed_sha256 = models.CharField(
        _("empreinte de l'exemplaire accepté"), max_length=64, blank=True
    )

    class Meta:
        verbose_name = _("acceptation de convention")
        verbose_name_plural = _("acceptations de conventions")

    def __str__(self):
        return f"{self.document} — {self.accepted_by_name}"


class PendingDocument(models.Model):
    """A document that could not be generated (the storage refused it, say): tried again with
    a growing delay (`next_attempt_at`) by the sweep (`documents.tasks.regenerate_documents`)
    until DOCUMENT_GIVE_UP_HOURS after `pending_since`; then given up (`gave_up_at`) and staff
    told, once. The row goes once the document is made."""

    key = models.CharField(_("document"), max_length=100, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=Document.Kind.choices)
    session = models.ForeignKey(
        "catalog.Session", verbose_name=_("session"), on_delete=models.CASCADE, related_name="+"
    )
    structure = models.ForeignKey(
        "employers.Structure",
        verbose_name=_("structure"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    registration = models.ForeignKey(
        "enrollment.Registration",
        verbose_name=_("inscription"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    pending_since = models.DateTimeField(_("en échec depuis"))
    attempts = models.PositiveIntegerField(_("tentatives"), default=1)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"))
    last_error = models.TextField(_("dernière erreur"), blank=True)
    gave_up_at = models.DateTimeField(_("abandonné le"), null=True, blank=True)

    class Meta:
        verbose_name = _("document en attente")
        verbose_name_plural = _("documents en attente")
        ordering = ["pending_since", "pk"]

    def __str__(self):
        return self.key
