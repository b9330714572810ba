from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoriesConfig(AppConfig):
    name = "inventories"
    verbose_name = _("Behovsinventeringar")

    def ready(self):
        # Celery autodiscovery loads only inventories.tasks; register the review tasks too.
        # The reminder ledger's admin and the PDF copies' admin (read-only lists for staff)
        # live in their own modules.
        from inventories import (  # noqa: F401
            admin_documents,
            admin_reminders,
            tasks_review,
        )
