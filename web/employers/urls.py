from django.urls import path

from web.employers import attachment_views, views

app_name = "employers"

urlpatterns = [
    path("", views.employer_space, name="space"),
    path("demandes/<int:pk>/accepter/", views.approve, name="approve"),
    path("demandes/<int:pk>/refuser/", views.refuse, name="refuse"),
    path("demandes/accepter-selection/", views.bulk_approve, name="bulk_approve"),
    path("demandes/refuser-selection/", views.bulk_refuse, name="bulk_refuse"),
    path("decisions/", views.history, name="history"),
    path("export.csv", views.export, name="export"),
    path("structures/<int:pk>/inviter/", views.invite, name="invite"),
    path("invitation/<str:token>/", views.invitation, name="invitation"),
    path(
        "rattachements/<int:pk>/confirmer/",
        attachment_views.attachment_accept,
        name="attachment_accept",
    ),
    path(
        "rattachements/<int:pk>/refuser/",
        attachment_views.attachment_refuse,
        name="attachment_refuse",
    ),
    path(
        "structures/<int:structure_pk>/salaries/<int:user_pk>/detacher/",
        attachment_views.detach,
        name="detach",
    ),
]
