from django.urls import path

from web.accounts import views

app_name = "accounts"

urlpatterns = [
    path("profil/", views.profile, name="profile"),
    path("structures/", views.structure_search, name="structure_search"),
    path("deconnexion/", views.logged_out, name="logged_out"),
]
