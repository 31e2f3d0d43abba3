"""The Employer Space's attachments (Decisions « Attachment »): who asks to join a structure,
confirmed or refused by its approvers, and detaching someone who left."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from common.text import de_name
from employers import attachments, selectors
from employers.models import Attachment, Structure
from enrollment import services as enrollment
from enrollment.rules import RuleViolation
from web.employers.filters import url_for_each
from web.employers.forms import AttachmentRefusalForm, DetachForm
from web.parts import render_part
from web.templatetags.french import day

REFUSALS = (PermissionDenied, ValidationError)


@dataclass
class StructureAttachments:
    structure: Structure
    requests: list = field(default_factory=list)
    people: list = field(default_factory=list)


def attachments_section(structures, people) -> list[StructureAttachments]:
    """What the top of the Employer Space shows: the requests to join each structure first,
    then the people attached to it, among `people` (`employer_requests.people_of`, in its
    order) (one query whatever the number of structures)."""
    requests = selectors.attachment_requests([s.pk for s in structures])
    attached = {s.pk: [] for s in structures}
    for person in people:
        if person.structure_id in attached:
            attached[person.structure_id].append(person)
    return [
        StructureAttachments(structure=s, requests=requests[s.pk], people=attached[s.pk])
        for s in structures
    ]


def present_attachments(section: list[StructureAttachments]) -> None:
    """What each structure, request to join and attached person of `section` shows
    (templates/jinja2/employers/attachments.html): its sentences translated once for the
    page and filled in for each, its forms' addresses reversed once — the part grows with
    the structure's people, as the page's other tables do with their rows."""
    title_text = _("Qui fait partie %(of_name)s")
    confirm_text = _("Confirmer le rattachement %(of_name)s")
    refuse_text = _("Refuser le rattachement %(of_name)s")
    requested_text = _("Demandé le %(date)s")
    detach_text = _("Détacher %(name)s")
    accept_url = url_for_each("employers:attachment_accept")
    refuse_url = url_for_each("employers:attachment_refuse")
    for structure_attachments in section:
        structure = structure_attachments.structure
        structure_attachments.title = title_text % {"of_name": de_name(structure.name)}
        for attachment in structure_attachments.requests:
            of_name = de_name(attachment.user.get_full_name())
            attachment.confirm_label = confirm_text % {"of_name": of_name}
            attachment.refuse_label = refuse_text % {"of_name": of_name}
            attachment.requested = requested_text % {"date": day(attachment.requested_at)}
            attachment.accept_url = accept_url(attachment.pk)
            attachment.refuse_url = refuse_url(attachment.pk)
        detach_url = url_for_each("employers:detach", by="user_pk", structure_pk=structure.pk)
        for person in structure_attachments.people:
            person.shown_name = person.get_full_name() or person.email
            person.detach_label = detach_text % {"name": person.shown_name}
            person.detach_url = detach_url(person.pk)


def attachments_html(request, section: list[StructureAttachments]) -> str:
    """The top of the Employer Space (templates/jinja2/employers/attachments.html): `section`
    (`attachments_section`, its refusals' errors attached) presented and rendered."""
    if not section:
        return ""
    present_attachments(section)
    return render_part(
        request,
        "employers/attachments.html",
        {"section": section, "user_pk": request.user.pk},
    )


def _back(structure_id) -> str:
    return f"{reverse('employers:space')}#rattachements-{structure_id}"


def _refusal_tag(attachment_pk) -> str:
    """The `extra_tags` of an error about the refusal form of one request to join: shown
    next to its field, not at the top of the page."""
    return f"attachment-refusal-{attachment_pk}"


def attach_refusal_errors(section: list[StructureAttachments], messages) -> list:
    """Put the errors of each refusal form (a redirect carried them) next to its field, as
    `refusal_errors` on the request to join; returns the other messages, for the top."""
    pending = {_refusal_tag(r.pk): r for s in section for r in s.requests}
    for attachment in pending.values():
        attachment.refusal_errors = []
    others = []
    for message in messages:
        tags = [tag for tag in message.extra_tags.split() if tag in pending]
        if tags:
            pending[tags[0]].refusal_errors.append(message)
        else:
            others.append(message)
    return others


def _decidable_attachment_or_404(user, pk) -> Attachment:
    """A request to join a structure `user` decides for; anyone else's answers 404."""
    attachment = get_object_or_404(Attachment.objects.select_related("user", "structure"), pk=pk)
    if not attachments.can_decide(attachment.structure, user):
        raise Http404
    return attachment


def _error_text(error) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("Vous ne validez pas les rattachements de cette structure.")


@login_required
@require_POST
def attachment_accept(request, pk):
    attachment = _decidable_attachment_or_404(request.user, pk)
    try:
        attachments.accept_attachment(attachment, by=request.user)
    except REFUSALS as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            _("%(name)s est rattaché·e à %(structure)s.")
            % {"name": attachment.user.get_full_name(), "structure": attachment.structure.name},
        )
    return redirect(_back(attachment.structure_id))


@login_required
@require_POST
def attachment_refuse(request, pk):
    attachment = _decidable_attachment_or_404(request.user, pk)
    form = AttachmentRefusalForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, " ".join(form.errors["reason"]), extra_tags=_refusal_tag(attachment.pk)
        )
        return redirect(f"{reverse('employers:space')}#rattachement-{attachment.pk}")
    try:
        attachments.refuse_attachment(
            attachment, by=request.user, reason=form.cleaned_data["reason"]
        )
    except REFUSALS as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            _("Le rattachement %(of_name)s est refusé ; la personne en est informée.")
            % {"of_name": de_name(attachment.user.get_full_name())},
        )
    return redirect(_back(attachment.structure_id))


@login_required
@require_POST
def detach(request, structure_pk, user_pk):
    structure = get_object_or_404(Structure, pk=structure_pk)
    if not attachments.can_decide(structure, request.user):
        raise Http404
    person = get_object_or_404(get_user_model(), pk=user_pk, structure=structure)
    form = DetachForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["reason"]))
        return redirect(_back(structure.pk))
    try:
        withdrawn = enrollment.detach(
            person, structure, by=request.user, reason=form.cleaned_data["reason"]
        )
    except (*REFUSALS, RuleViolation) as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            ngettext(
                "%(name)s n'est plus rattaché·e à %(structure)s ; %(count)s demande à venir "
                "est annulée, sa place est proposée à la liste d'attente.",
                "%(name)s n'est plus rattaché·e à %(structure)s ; %(count)s demandes à venir "
                "sont annulées, leurs places proposées à la liste d'attente.",
                len(withdrawn),
            )
            % {
                "name": person.get_full_name(),
                "structure": structure.name,
                "count": len(withdrawn),
            },
        )
    return redirect(_back(structure.pk))
