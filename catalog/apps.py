from django.apps import AppConfig
from django.db.backends.signals import connection_created


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalogue"

    def ready(self):
        from . import cache_versions
        from .search import register_sqlite_functions

        cache_versions.connect()
        connection_created.connect(register_sqlite_functions, dispatch_uid="catalog.sqlite_fold")
