from django.urls import path

from web.operations import signing, views

app_name = "operations"

urlpatterns = [
    path("espace-prestataire/", views.provider_space, name="provider_space"),
    path("espace-prestataire/sessions/<int:pk>/", views.provider_session, name="provider_session"),
    path(
        "espace-prestataire/sessions/<int:pk>/demandes/<int:registration_pk>/confirmer/",
        views.provider_confirm,
        name="provider_confirm",
    ),
    path(
        "espace-prestataire/sessions/<int:pk>/demandes/<int:registration_pk>/decliner/",
        views.provider_decline,
        name="provider_decline",
    ),
    path(
        "espace-prestataire/sessions/<int:pk>/presences/",
        views.provider_attendance,
        name="provider_attendance",
    ),
    path(
        "espace-prestataire/sessions/<int:pk>/emargement/",
        views.attendance_sheet,
        name="attendance_sheet",
    ),
    path(
        "espace-prestataire/sessions/<int:pk>/emargement-electronique/",
        signing.signing,
        name="signing",
    ),
    path(
        "espace-prestataire/sessions/<int:pk>/emargement-electronique/<str:key>/",
        signing.signing_half_day,
        name="signing_half_day",
    ),
    path(
        "espace-prestataire/sessions/<int:pk>/emargement-electronique/<str:key>/ouvrir/",
        signing.signing_open,
        name="signing_open",
    ),
    path(
        "espace-prestataire/sessions/<int:pk>/emargement-electronique/<str:key>/fermer/",
        signing.signing_close,
        name="signing_close",
    ),
    path(
        "espace-prestataire/sessions/<int:pk>/emargement-electronique/<str:key>/corriger/"
        "<int:registration_pk>/",
        signing.signing_correct,
        name="signing_correct",
    ),
    path(
        "espace-prestataire/sessions/<int:pk>/emargement-electronique/<str:key>/valider/",
        signing.signing_validate,
        name="signing_validate",
    ),
    path(
        "espace-prestataire/sessions/<int:pk>/participants.csv",
        views.session_participants_csv,
        name="session_participants_csv",
    ),
    path(
        "mon-espace/inscriptions/<int:pk>/calendrier.ics",
        views.registration_ics,
        name="registration_ics",
    ),
    path("pilotage/", views.dashboard, name="dashboard"),
    path("pilotage/bilan.csv", views.dashboard_csv, name="dashboard_csv"),
    path("pilotage/bilan.pdf", views.dashboard_pdf, name="dashboard_pdf"),
]
