"""The move of receipt state to the outbox keeps who already has a receipt."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("inventories", "0008_field_guidance"), ("portal", "0003_outbox")]
AFTER = [("inventories", "0009_receipts_in_outbox_audit_append_only")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_a_half_sent_receipt_becomes_sent_outbox_rows():
    apps = migrate(BEFORE)
    try:
        User = apps.get_model("portal", "User")
        Region = apps.get_model("regions", "Region")
        Round = apps.get_model("inventories", "Round")
        Inventory = apps.get_model("inventories", "Inventory")
        Version = apps.get_model("inventories", "InventoryVersion")
        Document = apps.get_model("inventories", "VersionDocument")
        now = timezone.now()
        user = User.objects.create(email="anna@example.se", full_name="Anna")
        inventory = Inventory.objects.create(
            round=Round.objects.get(slug="2019"), region=Region.objects.get(code="12")
        )
        version = Version.objects.create(
            inventory=inventory,
            number=1,
            snapshot_json="{}",
            sha256="0" * 64,
            submitted_at=now,
            submitted_by=user,
            submitted_by_name="Anna",
            deadline=now,
        )
        Document.objects.create(
            version=version,
            status="ready",
            file="x.pdf",
            sha256="1" * 64,
            size=1,
            rendered_at=now,
            receipt_sent_to=["anna@example.se"],
        )
        apps = migrate(AFTER)
        OutboxMessage = apps.get_model("portal", "OutboxMessage")
        [row] = OutboxMessage.objects.all()
        assert row.key == f"version-receipt:{version.pk}:anna@example.se"
        assert row.status == "sent"
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_earlier_returns_and_acceptances_enter_the_dialogue():
    apps = migrate([("inventories", "0019_completion_requests_and_thread")])
    try:
        User = apps.get_model("portal", "User")
        Region = apps.get_model("regions", "Region")
        Round = apps.get_model("inventories", "Round")
        Inventory = apps.get_model("inventories", "Inventory")
        AuditEvent = apps.get_model("inventories", "AuditEvent")
        staff = User.objects.create(email="hanna@example.se", full_name="Hanna Handläggare")
        round_ = Round.objects.get(slug="2019")
        region = Region.objects.get(code="12")
        inventory = Inventory.objects.create(round=round_, region=region)
        common = {"inventory": inventory, "round": round_, "region": region, "actor": staff}
        AuditEvent.objects.create(
            action="returned", message="Komplettera budgeten.", data={"version": 1}, **common
        )
        AuditEvent.objects.create(
            action="accepted", message="Version 2 godkänd", data={"version": 2}, **common
        )
        apps = migrate([("inventories", "0020_completion_requests_from_earlier_decisions")])
        CompletionRequest = apps.get_model("inventories", "CompletionRequest")
        ThreadMessage = apps.get_model("inventories", "ThreadMessage")
        [request] = CompletionRequest.objects.all()
        assert (request.message, request.version, request.created_by_id) == (
            "Komplettera budgeten.",
            1,
            staff.pk,
        )
        assert [(m.kind, m.text, m.author_name) for m in ThreadMessage.objects.order_by("id")] == [
            (
                "decision",
                "Återsänd för komplettering\n\nKomplettera budgeten.",
                "Hanna Handläggare",
            ),
            ("decision", "Version 2 godkänd", "Hanna Handläggare"),
        ]
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
