"""What the staff pages cache, and the keys that name exactly what a cached block was made from.

The board of a round renders 21 (or 290) regions with their contact persons, inventories,
versions, open completion items, unanswered messages, reminders and handläggare: that costs far
more than reading them. So the board renders its body once for every state of those rows and
caches the HTML in ``CACHES["default"]`` (Redis in production, local memory otherwise).

The key is a digest of the rows themselves (``board_state``: one query that reads the columns
the board shows, or a count and the highest id of append-only rows), not a counter that every
writer would have to remember to bump: any change by any code path (a service, the admin, a
data migration) changes the key at once. Besides the rows, the key names:

- the round as loaded by the request (its name, slug, deadline);
- the request's language and a digest of the portal's templates (``templates_digest``);
- what depends on the clock: today's date in Stockholm (the "N dagar kvar" labels) and which
  deadlines have passed (whether a region is "Ej inskickad, sista dag passerad");
- what depends on the viewer: "Mina regioner" adds the user.

Whoever adds something to the board's body that is not read by ``board_state`` adds it there
(or to the key), or the board shows it stale.

A region's page in a round (``inventory_page_key``) is cached the same way: its key holds the
inventory as the request loaded it and a digest of its versions' PDF copies, the region's
contact persons, the assignment, the internal notes and the handläggare one may assign. Its
forms get each response's own CSRF token (the cached block holds ``CSRF_PLACEHOLDER``).
"""

import hashlib

from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from inventories.fragments import FRAGMENT_TIMEOUT, templates_digest
from inventories.models import (
    CompletionItem,
    Inventory,
    InventoryVersion,
    Round,
    ThreadMessage,
    VersionDocument,
)
from portal.formatting import STOCKHOLM
from portal.models import STAFF_GROUP_NAME, OutboxMessage, User
from regions.models import ContactPerson, Region
from reminders.models import Reminder
from staff.models import Assignment, InternalNote

#: Columns per row of ``board_state`` (the ``UNION ALL`` of its selects needs one width).
_WIDTH = 6


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model, name: str, alias: str = "") -> str:
    column = connection.ops.quote_name(model._meta.get_field(name).column)
    return f"{alias}.{column}" if alias else column


def _select(tag: str, columns: list[str], rest: str) -> str:
    texts = [f"CAST({column} AS TEXT)" for column in columns]
    texts += ["CAST(NULL AS TEXT)"] * (_WIDTH - len(texts))
    return f"SELECT '{tag}', {', '.join(texts)} {rest}"


def _board_sql() -> str:
    c = _column
    inv = f"{_table(Inventory)} i ON i.{c(Inventory, 'id')} = "
    in_round = f"i.{c(Inventory, 'round')} = %(round)s"
    selects = [
        # The round picker: every round.
        _select(
            "g",
            [c(Round, name) for name in ("id", "slug", "name", "active", "opens_at")],
            f"FROM {_table(Round)}",
        ),
        _select(
            "r",
            [c(Region, name) for name in ("id", "code", "name", "slug", "active")],
            f"FROM {_table(Region)}",
        ),
        _select(
            "c",
            [c(ContactPerson, name, "p") for name in ("id", "region", "role", "active")]
            + [c(User, "is_active", "u"), c(User, "full_name", "u")],
            f"FROM {_table(ContactPerson)} p JOIN {_table(User)} u "
            f"ON u.{c(User, 'id')} = p.{c(ContactPerson, 'user')}",
        ),
        _select(
            "i",
            [
                c(Inventory, name)
                for name in (
                    "id",
                    "region",
                    "status",
                    "updated_at",
                    "deadline_override",
                    "registration_number",
                )
            ],
            f"FROM {_table(Inventory)} i WHERE {in_round}",
        ),
        # Which effective deadlines have passed (an inventory's own, or the round's).
        _select(
            "o",
            [f"i.{c(Inventory, 'id')}"],
            f"FROM {_table(Inventory)} i WHERE {in_round} AND "
            f"COALESCE(i.{c(Inventory, 'deadline_override')}, %(deadline)s) < %(now)s",
        ),
        # Versions, thread messages and reminder rows are only ever added (a reminder's status
        # changes: counted per status).
        _select(
            "v",
            ["COUNT(*)", f"MAX(v.{c(InventoryVersion, 'id')})"],
            f"FROM {_table(InventoryVersion)} v JOIN {inv}v.{c(InventoryVersion, 'inventory')} "
            f"WHERE {in_round}",
        ),
        _select(
            "m",
            ["COUNT(*)", f"MAX(m.{c(ThreadMessage, 'id')})"],
            f"FROM {_table(ThreadMessage)} m JOIN {inv}m.{c(ThreadMessage, 'inventory')} "
            f"WHERE {in_round}",
        ),
        _select(
            "k",
            [c(CompletionItem, "id", "k"), c(CompletionItem, "inventory", "k")],
            f"FROM {_table(CompletionItem)} k JOIN {inv}k.{c(CompletionItem, 'inventory')} "
            f"WHERE {in_round} AND k.{c(CompletionItem, 'status')} = %(open)s",
        ),
        _select(
            "e",
            [
                c(Reminder, "status"),
                "COUNT(*)",
                f"MAX({c(Reminder, 'id')})",
                f"MAX({c(Reminder, 'sent_at')})",
            ],
            f"FROM {_table(Reminder)} WHERE {c(Reminder, 'round')} = %(round)s "
            f"GROUP BY {c(Reminder, 'status')}",
        ),
        _select(
            "a",
            [c(Assignment, name, "a") for name in ("id", "region", "handlaggare")]
            + [c(User, "full_name", "u"), c(User, "email", "u")],
            f"FROM {_table(Assignment)} a JOIN {_table(User)} u "
            f"ON u.{c(User, 'id')} = a.{c(Assignment, 'handlaggare')} "
            f"WHERE a.{c(Assignment, 'round')} = %(round)s",
        ),
        _select(
            "d",
            [c(VersionDocument, "id", "d"), c(VersionDocument, "damage", "d")],
            f"FROM {_table(VersionDocument)} d JOIN {_table(InventoryVersion)} v "
            f"ON v.{c(InventoryVersion, 'id')} = d.{c(VersionDocument, 'version')} "
            f"JOIN {inv}v.{c(InventoryVersion, 'inventory')} "
            f"WHERE {in_round} AND d.{c(VersionDocument, 'damage')} <> ''",
        ),
        _select(
            "x",
            ["COUNT(*)"],
            f"FROM {_table(OutboxMessage)} WHERE {c(OutboxMessage, 'status')} = %(pending)s "
            f"AND {c(OutboxMessage, 'attempts')} > 0",
        ),
    ]
    return " UNION ALL ".join(selects)


def board_state(round_, *, now) -> str:
    """A digest of every row the board of ``round_`` shows (one query)."""
    adapt = connection.ops.adapt_datetimefield_value
    return _digest(
        _board_sql(),
        {
            "round": round_.pk,
            "deadline": adapt(round_.deadline),
            "now": adapt(now),
            "open": CompletionItem.Status.OPEN,
            "pending": OutboxMessage.Status.PENDING,
        },
    )


def board_key(round_, *, user=None, now=None) -> str:
    """The cache key of the board's body for ``round_`` as saved now (``user`` for "Mina
    regioner")."""
    now = now or timezone.now()
    parts = [
        "staff-board",
        templates_digest(),
        str(round_.pk),
        round_.slug,
        round_.name,
        round_.deadline.isoformat(),
        "passed" if now > round_.deadline else "open",
        now.astimezone(STOCKHOLM).date().isoformat(),
        translation.get_language() or "",
        f"mine{user.pk}" if user is not None else "all",
        board_state(round_, now=now),
    ]
    return "staff-board:" + hashlib.blake2b(":".join(parts).encode(), digest_size=20).hexdigest()


def _inventory_page_sql() -> str:
    c = _column
    user_join = f"JOIN {_table(User)} u ON u.{c(User, 'id')} = "
    groups = User.groups.through
    return " UNION ALL ".join(
        [
            # Versions are only ever added; their documents change (status, file, damage).
            _select(
                "v",
                ["COUNT(*)", f"MAX({c(InventoryVersion, 'id')})"],
                f"FROM {_table(InventoryVersion)} "
                f"WHERE {c(InventoryVersion, 'inventory')} = %(inventory)s",
            ),
            _select(
                "d",
                [
                    c(VersionDocument, name, "d")
                    for name in ("id", "version", "status", "file", "sha256")
                ],
                f"FROM {_table(VersionDocument)} d JOIN {_table(InventoryVersion)} v "
                f"ON v.{c(InventoryVersion, 'id')} = d.{c(VersionDocument, 'version')} "
                f"WHERE v.{c(InventoryVersion, 'inventory')} = %(inventory)s",
            ),
            # The dialogue: open completion items, and messages (only ever added).
            _select(
                "k",
                [c(CompletionItem, "id")],
                f"FROM {_table(CompletionItem)} WHERE {c(CompletionItem, 'inventory')} = "
                f"%(inventory)s AND {c(CompletionItem, 'status')} = %(open)s",
            ),
            _select(
                "m",
                ["COUNT(*)", f"MAX({c(ThreadMessage, 'id')})"],
                f"FROM {_table(ThreadMessage)} "
                f"WHERE {c(ThreadMessage, 'inventory')} = %(inventory)s",
            ),
            _select(
                "c",
                [c(ContactPerson, name, "p") for name in ("id", "role", "active")]
                + [c(User, "full_name", "u"), c(User, "email", "u")],
                f"FROM {_table(ContactPerson)} p {user_join}p.{c(ContactPerson, 'user')} "
                f"WHERE p.{c(ContactPerson, 'region')} = %(region)s",
            ),
            _select(
                "a",
                [c(Assignment, "id", "a"), c(User, "id", "u")]
                + [c(User, "full_name", "u"), c(User, "email", "u")],
                f"FROM {_table(Assignment)} a {user_join}a.{c(Assignment, 'handlaggare')} "
                f"WHERE a.{c(Assignment, 'round')} = %(round)s "
                f"AND a.{c(Assignment, 'region')} = %(region)s",
            ),
            _select(
                "n",
                [c(InternalNote, name, "n") for name in ("id", "author", "text", "created_at")]
                + [
                    f"COALESCE(u.{c(User, 'full_name')}, '') || ' ' || "
                    f"COALESCE(u.{c(User, 'email')}, '')"
                ],
                f"FROM {_table(InternalNote)} n "
                f"LEFT OUTER {user_join}n.{c(InternalNote, 'author')} "
                f"WHERE n.{c(InternalNote, 'inventory')} = %(inventory)s",
            ),
            # The choices of "Handläggare": every member of the group.
            _select(
                "h",
                [
                    c(User, name, "u")
                    for name in ("id", "is_active", "is_staff", "full_name", "email")
                ],
                f"FROM {_table(groups)} m {user_join}m.{c(groups, 'user')} "
                f"JOIN {_table(Group)} g ON g.{c(Group, 'id')} = m.{c(groups, 'group')} "
                f"WHERE g.{c(Group, 'name')} = %(group)s",
            ),
        ]
    )


def _digest(sql: str, params: dict) -> str:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    digest = hashlib.blake2b(digest_size=16)
    for row in sorted(rows, key=lambda row: tuple("" if v is None else v for v in row)):
        digest.update(repr(row).encode())
    return digest.hexdigest()


def inventory_page_key(round_, region, inventory, *, now=None) -> str:
    """The cache key of the body of a region's page in ``round_``: the inventory as this
    request loaded it (every field the page shows), its open completion items and its messages,
    its versions and their PDF copies, the region's contact persons, the handläggare assigned
    and those who may be, the internal notes, today's date (days left), the language and the
    templates."""
    now = now or timezone.now()
    fields = ()
    if inventory is not None:
        fields = tuple(
            getattr(inventory, name)
            for name in (
                "pk",
                "status",
                "deadline_override",
                "deadline_override_reason",
                "registration_number",
                "created_at",
                "updated_at",
                "submitted_at",
                "accepted_at",
                "returned_at",
                "return_message",
            )
        )
    parts = [
        "staff-inventory",
        templates_digest(),
        repr((round_.pk, round_.name, round_.slug, round_.deadline)),
        repr((region.pk, region.name, region.slug)),
        repr(fields),
        now.astimezone(STOCKHOLM).date().isoformat(),
        translation.get_language() or "",
        _digest(
            _inventory_page_sql(),
            {
                "inventory": inventory.pk if inventory is not None else None,
                "region": region.pk,
                "round": round_.pk,
                "group": STAFF_GROUP_NAME,
                "open": CompletionItem.Status.OPEN,
            },
        ),
    ]
    digest = hashlib.blake2b(":".join(parts).encode(), digest_size=20).hexdigest()
    return "staff-inventory:" + digest


def version_page_key(*, round_, region, version, previous, versions, document, damage) -> str:
    """The cache key of the body of a version's page. A version never changes; the key names
    what around it does: the other versions (the links between them), its PDF copy's state,
    what is known to be damaged, the round's and the region's names, the language and the
    templates."""
    state = None
    if document is not None:
        state = (
            document.pk,
            document.status,
            document.file.name,
            document.sha256,
            document.last_error,
        )
    parts = [
        "staff-version",
        templates_digest(),
        repr((round_.pk, round_.name, round_.slug)),
        repr((region.pk, region.name, region.slug)),
        repr((version.pk, version.sha256, previous.pk if previous else None)),
        repr(tuple(other.number for other in versions)),
        repr(state),
        repr(tuple(str(problem) for problem in damage)),
        translation.get_language() or "",
    ]
    digest = hashlib.blake2b(":".join(parts).encode(), digest_size=20).hexdigest()
    return "staff-version:" + digest


#: Stands for the request's CSRF token in a cached block (a block is shared by every handläggare
#: who sees the same state; each response gets its own token back in its place).
CSRF_PLACEHOLDER = "staffcachedcsrftoken5d1e8b"


def cached_html(key: str, render, csrf_token: str = "") -> SafeString:
    """The HTML cached under ``key``, or ``render()`` cached there for next time (rendered with
    ``CSRF_PLACEHOLDER`` as its CSRF token, which each response gets back as ``csrf_token``)."""
    html = cache.get(key)
    if html is None:
        html = str(render())
        cache.set(key, html, FRAGMENT_TIMEOUT)
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, str(csrf_token))
    return mark_safe(html)  # noqa: S308 - rendered by the template engine, escaped there
