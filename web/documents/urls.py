from django.urls import path

from web.documents import views

app_name = "documents"

urlpatterns = [
    path("documents/<int:pk>/telecharger/", views.download, name="download"),
    path("documents/<int:pk>/acceptee/", views.download_accepted, name="download_accepted"),
    path("espace-employeur/conventions/", views.employer_conventions, name="employer_conventions"),
    path("espace-employeur/conventions/<int:pk>/accepter/", views.accept, name="accept"),
    path("pilotage/sessions/<int:pk>/documents.zip", views.session_zip, name="session_zip"),
]
