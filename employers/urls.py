from django.urls import path

from . import views

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
]
