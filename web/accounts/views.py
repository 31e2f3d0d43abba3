from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from accounts import selectors, services
from accounts.models import User
from accounts.oidc import client_post_logout_addresses
from employers.attachments import attachment_pending_message, pending_attachment
from web.accounts.forms import ProfileForm


@login_required
def profile(request):
    """The professional profile, edited through accounts.services.update_profile."""
    # A fresh instance: an invalid form must not alter request.user (shown in the header).
    user = User.objects.select_related("structure").get(pk=request.user.pk)
    form = ProfileForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        services.update_profile(
            form.instance, form.profile_data(), structure_changed=form.structure_changed()
        )
        messages.success(request, _("Votre profil est enregistré."))
        pending = pending_attachment(form.instance)
        if pending is not None and form.structure_changed():
            messages.info(request, attachment_pending_message(pending))
        return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "profile_user": user, "pending_attachment": form.pending},
    )


@require_safe
def structure_search(request):
    """Suggestions for the « nom ou SIRET » field (progressive enhancement, public: signup)."""
    structures = selectors.search_structures(request.GET.get("q", ""))
    results = [
        {"name": s.name, "siret": s.siret, "label": selectors.structure_label(s)}
        for s in structures
    ]
    return JsonResponse({"results": results})


@require_safe
def logged_out(request):
    """Where a logout asked by e-ParcoursPro ends when it goes back to no registered address:
    says whether the person is logged out of ParcoursPro (they may have chosen to stay), and
    leads back to the client's own post-logout address."""
    return render(
        request,
        "accounts/logged_out.html",
        {
            "still_logged_in": request.user.is_authenticated,
            "back_urls": client_post_logout_addresses(request.GET.get("client", "")),
        },
    )
