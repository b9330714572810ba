"""The "Handläggare" group and the admin permissions Tillväxtverket's staff need.

Migrations call ``sync_staff_group`` whenever an app adds models staff work with, so the group
always holds the current list. Permissions are named ``app_label.codename``.
"""

from portal.models import STAFF_GROUP_NAME

STAFF_PERMISSIONS = [
    "portal.view_user",
    "portal.add_user",
    "portal.change_user",
    "regions.view_region",
    "regions.change_region",
    "regions.view_contactperson",
    "regions.add_contactperson",
    "regions.change_contactperson",
    "regions.view_invitation",
    "inventories.view_round",
    "inventories.add_round",
    "inventories.change_round",
    "inventories.view_milestone",
    "inventories.add_milestone",
    "inventories.change_milestone",
    "inventories.delete_milestone",
    "inventories.view_inventory",
    "inventories.change_inventory",
    "inventories.view_currentstate",
    "inventories.view_budgetline",
    "inventories.view_intervention",
    "inventories.view_targetstate",
    "inventories.view_goal",
    "inventories.view_inventoryversion",
    "inventories.view_auditevent",
]


def sync_staff_group(apps, permissions=STAFF_PERMISSIONS):
    """Create the group if needed and give it ``permissions`` (creating missing permission rows)."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=STAFF_GROUP_NAME)
    wanted = []
    for name in permissions:
        app_label, codename = name.split(".")
        wanted.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    group.permissions.add(*wanted)
