from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from . import views

admin.site.site_header = "ParcoursPro — administration Cap Métiers"
admin.site.site_title = "ParcoursPro"
admin.site.index_title = "Pilotage du programme"

# 404 and 403 render templates/404.html and 403.html with the request (Django's views); a
# server error renders a page that needs neither the request nor the database.
handler500 = "parcourspro.views.server_error"
# A request refused before any view (bad Host, too many fields, too big): French, standalone.
handler400 = "parcourspro.views.bad_request"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("compte/", include("web.accounts.urls")),
    path("", include("web.documents.urls")),
    path("espace-employeur/", include("web.employers.urls")),
    path("", include("web.enrollment.urls")),
    path("", include("web.operations.urls")),
    path("", include("web.surveys.urls")),
    path("", include("web.catalog.urls")),
    path("", include("web.elearning.urls")),
]

# OpenID Connect provider of e-ParcoursPro: /.well-known/openid-configuration, /.well-known/
# jwks.json and /identity/o/{authorize,logout,api/token,api/userinfo,api/revoke}.
if settings.IDP_OIDC_ENABLED:
    urlpatterns.insert(3, path("", include("allauth.idp.urls")))
