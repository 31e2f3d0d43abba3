from django.urls import path

from web.surveys import views

app_name = "surveys"

urlpatterns = [
    path("questionnaires/<str:token>/", views.answer, name="answer"),
    path("mon-espace/questionnaires/<int:pk>/", views.my_answer, name="my_answer"),
    path("espace-prestataire/satisfaction/", views.provider_satisfaction, name="provider"),
]
