"""The questionnaires' pages: answering through the email's link (the token is enough) or
from « Mon espace » (the person is checked), and the provider's aggregates."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from enrollment.rules import RuleViolation
from surveys import rules, selectors, services
from web.operations.selectors import providers_of
from web.surveys.forms import SurveyForm


def _closed(survey, now) -> str:
    """Why the questionnaire takes no answer, or ""."""
    try:
        rules.check_open(answered_at=survey.answered_at, closes_at=survey.closes_at, now=now)
    except RuleViolation as refusal:
        return str(refusal)
    return ""


def _answer(request, survey):
    now = timezone.now()
    closed = _closed(survey, now)
    context = {"survey": survey, "session": survey.session, "action": survey.session.action}
    if closed:
        return render(request, "surveys/closed.html", {**context, "reason": closed})
    form = SurveyForm(request.POST if request.method == "POST" else None, kind=survey.kind)
    if request.method == "POST" and form.is_valid():
        try:
            services.answer_survey(
                survey,
                by=request.user if request.user.is_authenticated else None,
                scores=form.scores(),
                comment=form.cleaned_data["comment"],
                consent_named=form.cleaned_data["consent_named"],
                now=now,
            )
        except RuleViolation as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, _("Merci\u00a0! Votre réponse est enregistrée."))
            return redirect(request.path)
    status = 400 if form.errors else 200
    return render(request, "surveys/answer.html", {**context, "form": form}, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def answer(request, token: str):
    """The questionnaire of an email's link: the token is the key, no login needed."""
    return _answer(request, selectors.survey_by_token_or_404(token))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def my_answer(request, pk: int):
    """The same, from « Mon espace »: the person's own, or their structure's (404 else)."""
    return _answer(request, selectors.survey_of_user_or_404(request.user, pk))


@login_required
@require_safe
def provider_satisfaction(request):
    """The satisfaction of the provider's sessions: aggregates only, none below the privacy
    threshold (DESIGN.md, turn 3)."""
    providers = providers_of(request.user)
    if not providers:
        return render(request, "operations/not_provider.html", status=403)
    overall, sessions = selectors.provider_satisfaction(request.user)
    return render(
        request,
        "surveys/provider.html",
        {
            "providers": providers,
            "overall": overall,
            "sessions": sessions,
            "threshold": settings.SURVEY_PRIVACY_THRESHOLD,
        },
    )
