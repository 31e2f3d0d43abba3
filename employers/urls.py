from django.urls import path
from django.views.generic import TemplateView

app_name = "employers"

urlpatterns = [
    path(
        "",
        TemplateView.as_view(
            template_name="placeholder.html", extra_context={"heading": "Espace employeur"}
        ),
        name="space",
    ),
]
