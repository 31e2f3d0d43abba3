from django.urls import path

from web.elearning import views

app_name = "elearning"

urlpatterns = [
    path("e-parcourspro/premiere-connexion/", views.first_login, name="first_login"),
    # The logo e-ParcoursPro's login page shows on ParcoursPro's button (Moodle's « Logo URL »),
    # and /favicon.ico, where Moodle looks when that field is empty (api::guess_image).
    path("e-parcourspro/logo.svg", views.logo, name="logo"),
    path("favicon.ico", views.logo, name="favicon"),
]
