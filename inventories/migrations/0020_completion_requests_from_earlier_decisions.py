"""Earlier returns and acceptances (before completion requests existed) get their place in the
dialogue: each return becomes a request with its message and no items, and each decision a
receipt in the inventory's thread. Self-contained: reads only the audit history."""

from django.db import migrations


def forwards(apps, schema_editor):
    AuditEvent = apps.get_model("inventories", "AuditEvent")
    CompletionRequest = apps.get_model("inventories", "CompletionRequest")
    ThreadMessage = apps.get_model("inventories", "ThreadMessage")
    if CompletionRequest.objects.exists() or ThreadMessage.objects.exists():
        return
    events = (
        AuditEvent.objects.filter(action__in=["returned", "accepted"], inventory__isnull=False)
        .select_related("actor")
        .order_by("created_at", "id")
    )
    for event in events:
        data = event.data or {}
        actor = event.actor
        name = (actor.full_name or actor.email) if actor else ""
        if event.action == "returned":
            CompletionRequest.objects.create(
                inventory_id=event.inventory_id,
                version=data.get("version"),
                message=event.message,
                created_by=actor,
                created_at=event.created_at,
            )
            text = "\n\n".join(filter(None, ["Återsänd för komplettering", event.message]))
        else:
            summary = f"Version {data.get('version')} godkänd"
            text = f"{summary}\n\n{event.message}" if data.get("has_message") else summary
        ThreadMessage.objects.create(
            inventory_id=event.inventory_id,
            kind="decision",
            from_staff=True,
            author=actor,
            author_name=name,
            text=text,
            created_at=event.created_at,
        )


class Migration(migrations.Migration):
    dependencies = [("inventories", "0019_completion_requests_and_thread")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
