"""The "Handläggare" group and the admin permissions Tillväxtverket's staff need.

Each app names the permissions staff hold on its own models in its ``AppConfig.staff_permissions``
(codenames). After every ``migrate`` a ``post_migrate`` handler (connected in ``PortalConfig``)
creates the group if needed and gives it exactly those permissions, so the group follows the code
without migrations importing it.
"""

from django.apps import apps as global_apps

from portal.models import STAFF_GROUP_NAME


def staff_permission_names(app_registry=global_apps) -> list[str]:
    """``app_label.codename`` of every permission the Handläggare group should hold."""
    names = []
    for config in app_registry.get_app_configs():
        for codename in getattr(config, "staff_permissions", ()):
            names.append(f"{config.label}.{codename}")
    return names


def sync_staff_group(**kwargs) -> None:
    """post_migrate: give the group the permissions that exist by now, and only those.

    Sent once per app after each migrate; permissions of apps not yet migrated are added when
    their turn comes, so after the last app the group holds the whole list.
    """
    from django.contrib.auth.models import Group, Permission

    using = kwargs.get("using", "default")
    wanted = set()
    for name in staff_permission_names():
        app_label, codename = name.split(".")
        wanted.add((app_label, codename))
    permissions = [
        permission
        for permission in Permission.objects.using(using).select_related("content_type")
        if (permission.content_type.app_label, permission.codename) in wanted
    ]
    group, _ = Group.objects.using(using).get_or_create(name=STAFF_GROUP_NAME)
    group.permissions.set(permissions)
