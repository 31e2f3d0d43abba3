"""Downloads of the documents (permission-checked: 404 for anyone else), the conventions'
page of the Espace employeur with their electronic acceptance, and staff's zip of a session."""

from __future__ import annotations

import io
import zipfile

from allauth.account.adapter import get_adapter as get_account_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from catalog.models import Session
from documents import selectors, services
from documents.models import Document


def _pdf_response(field_file, filename: str) -> FileResponse:
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=filename)
    response["Content-Type"] = "application/pdf"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_safe
def download(request, pk: int):
    """One version of a document, to whom may see it (see `selectors`)."""
    document = selectors.document_or_404(request.user, pk)
    return _pdf_response(document.file, document.filename)


@login_required
@require_safe
def download_accepted(request, pk: int):
    """The accepted convention, with its acceptance block."""
    document = selectors.document_or_404(request.user, pk)
    acceptance = getattr(document, "acceptance", None)
    if acceptance is None or not acceptance.signed_file:
        raise Http404
    return _pdf_response(acceptance.signed_file, acceptance.signed_file.name.rsplit("/", 1)[-1])


@login_required
@require_safe
def employer_conventions(request):
    """« Conventions de formation » of the Espace employeur: the approver's structures only."""
    if not request.user.approved_structures.exists():
        raise Http404
    return render(
        request,
        "documents/employer_conventions.html",
        {
            "conventions": selectors.conventions_for_approver(request.user),
            "certificates": selectors.certificates_for_approver(request.user),
        },
    )


def _client_ip(request) -> str | None:
    """The address the acceptance records: the same one allauth's rate limits see, behind the
    proxies `ALLAUTH_TRUSTED_PROXY_COUNT` declares (X-Forwarded-For), else REMOTE_ADDR."""
    try:
        return get_account_adapter(request).get_client_ip(request)
    except PermissionDenied:
        return None


@login_required
@require_POST
def accept(request, pk: int):
    """« Accepter la convention »: bound to the SHA-256 of the version the page showed."""
    document = get_object_or_404(
        Document.objects.select_related("structure", "session__action"),
        pk=pk,
        kind=Document.Kind.CONVENTION,
        structure__approvers=request.user,
    )
    try:
        services.accept_convention(
            document,
            by=request.user,
            sha256=request.POST.get("sha256", ""),
            checked=request.POST.get("accepted") == "on",
            ip=_client_ip(request),
        )
    except services.DocumentError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            _("La convention « %(title)s » (version %(version)s) est acceptée.")
            % {"title": document.session.action.title, "version": document.version},
        )
    return redirect(
        f"{_conventions_url()}#convention-{document.session_id}-{document.structure_id}"
    )


def _conventions_url() -> str:
    from django.urls import reverse

    return reverse("documents:employer_conventions")


@login_required
@require_safe
def session_zip(request, pk: int):
    """Staff: every document of a session, every version, in one zip."""
    if not request.user.is_staff:
        raise Http404
    session = get_object_or_404(Session.objects.select_related("action"), pk=pk)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for document in selectors.session_documents(session):
            with document.file.open("rb") as handle:
                archive.writestr(f"{document.kind}/{document.filename}", handle.read())
            acceptance = getattr(document, "acceptance", None)
            if acceptance is not None and acceptance.signed_file:
                with acceptance.signed_file.open("rb") as handle:
                    name = acceptance.signed_file.name.rsplit("/", 1)[-1]
                    archive.writestr(f"{document.kind}/{name}", handle.read())
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = (
        f'attachment; filename="documents-session-{session.pk}-{session.starts_at:%Y%m%d}.zip"'
    )
    return response
