from inventories.models import AuditEvent


def audit_record(
    *, action, actor=None, inventory=None, round=None, region=None, message="", data=None
):
    """Append one entry to the audit history (inventory, or round and region when none exists)."""
    if inventory is not None:
        round = round or inventory.round
        region = region or inventory.region
    return AuditEvent.objects.create(
        inventory=inventory,
        round=round,
        region=region,
        actor=actor,
        action=action,
        message=message,
        data=data or {},
    )
