from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoriesConfig(AppConfig):
    name = "inventories"
    verbose_name = _("Behovsinventeringar")
    #: Admin permissions the Handläggare group holds on this app's models (see portal.staff_group).
    staff_permissions = [
        "view_round",
        "add_round",
        "change_round",
        "view_milestone",
        "add_milestone",
        "change_milestone",
        "delete_milestone",
        "view_inventory",
        "change_inventory",
        "view_currentstate",
        "view_budgetline",
        "view_intervention",
        "view_targetstate",
        "view_goal",
        "view_inventoryversion",
        "view_auditevent",
        "view_versiondocument",
        "view_attachment",
    ]
