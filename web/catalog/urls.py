from django.urls import path

from web.catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.home, name="home"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/<slug:slug>/", views.action_detail, name="action_detail"),
    path("faq/", views.faq, name="faq"),
]
