"""The pages of e-ParcoursPro on ParcoursPro: the login tutorial the FAQ's Q13 promises, and
the logo Moodle's login page shows on ParcoursPro's button."""

from django.conf import settings
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from elearning.notifications import LOGIN_BUTTON


@require_safe
def first_login(request):
    """« Première connexion à e-ParcoursPro », step by step, for everyone (no login needed:
    the link is in emails and on the convocation)."""
    return render(
        request,
        "elearning/first_login.html",
        {
            "e_parcourspro_url": settings.E_PARCOURSPRO_URL,
            "login_button": LOGIN_BUTTON,
            "access_days": settings.E_PARCOURSPRO_ACCESS_DAYS,
        },
    )


@require_safe
@cache_control(public=True, max_age=86400)
def logo(request):
    """A stable address for ParcoursPro's logo: the static file's name changes with its
    content (hashed in production), this address does not."""
    return redirect(static("img/favicon.svg"))
