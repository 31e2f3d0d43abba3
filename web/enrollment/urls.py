from django.urls import path

from web.enrollment import offers, signing, views

app_name = "enrollment"

urlpatterns = [
    path("panier/", views.cart, name="cart"),
    path("panier/ajouter/<int:session_id>/", views.cart_add, name="cart_add"),
    path("panier/choisir/<int:session_id>/", views.cart_choose, name="cart_choose"),
    path("panier/retirer/<int:session_id>/", views.cart_remove, name="cart_remove"),
    path("panier/confirmation/<uuid:submission>/", views.cart_done, name="cart_done"),
    path("mon-espace/", views.my_space, name="my_space"),
    path("mon-espace/desister/<int:pk>/", views.cancel, name="cancel"),
    path(
        "mon-espace/places-proposees/<int:pk>/accepter/",
        offers.offer_accept,
        name="offer_accept",
    ),
    path(
        "mon-espace/places-proposees/<int:pk>/indisponible/",
        offers.offer_decline,
        name="offer_decline",
    ),
    # The short link behind a half-day's QR code (electronic attendance).
    path("emargement/<str:code>/", signing.sign, name="sign"),
    path("compte/mes-donnees/", views.my_data, name="my_data"),
    path("compte/mes-donnees/export.json", views.my_data_export, name="my_data_export"),
]
