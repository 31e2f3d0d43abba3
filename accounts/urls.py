from django.urls import path
from django.views.generic import TemplateView

app_name = "accounts"

urlpatterns = [
    path(
        "profil/",
        TemplateView.as_view(template_name="placeholder.html", extra_context={"heading": "Mon profil"}),
        name="profile",
    ),
]
