from django.contrib import admin
from django.urls import include, path

from . import views

admin.site.site_header = "ParcoursPro — administration Cap Métiers"
admin.site.site_title = "ParcoursPro"
admin.site.index_title = "Pilotage du programme"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("compte/", include("accounts.urls")),
    path("espace-employeur/", include("employers.urls")),
    path("", include("enrollment.urls")),
    path("", include("operations.urls")),
    path("", include("catalog.urls")),
]
