from django.urls import path
from django.views.generic import TemplateView

app_name = "enrollment"


def _placeholder(heading):
    return TemplateView.as_view(
        template_name="placeholder.html", extra_context={"heading": heading}
    )


urlpatterns = [
    path("panier/", _placeholder("Mon panier"), name="cart"),
    path("mon-espace/", _placeholder("Mon espace"), name="my_space"),
]
