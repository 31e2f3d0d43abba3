from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = "Documents de participation"

    def ready(self):
        from . import receivers

        receivers.connect()
