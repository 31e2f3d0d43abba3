from django.urls import path
from django.views.generic import TemplateView

app_name = "catalog"


def _placeholder(heading):
    return TemplateView.as_view(template_name="placeholder.html", extra_context={"heading": heading})


urlpatterns = [
    path("", _placeholder("ParcoursPro"), name="home"),
    path("catalogue/", _placeholder("Catalogue"), name="catalogue"),
    path("catalogue/<slug:slug>/", _placeholder("Action"), name="action_detail"),
    path("faq/", _placeholder("Questions fréquentes"), name="faq"),
]
