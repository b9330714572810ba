"""What the inventory pages cache of an inventory's parts, and the one place its keys are built.

Rendering a part page costs far more than reading it: Del 2 with 300 interventions spent 1.6 of
1.8 s in the templates. So the pages cache what they derive from the parts (the completeness
checklist, the rendered lists) in ``CACHES["default"]`` (Redis in production, local memory
otherwise), under a key that names exactly what it was made from:

- the inventory and its ``revision``, which every save of a part bumps in the same transaction
  (``inventories.services.parts``), and its status;
- the round's figures the pages compute with (programme period, start capital);
- the language of the request;
- a digest of the portal's templates, so a deploy with changed templates never serves old
  HTML;
- the open completion items (their ids), which the lists show beside the interventions and
  goals they concern; opening, resolving or reopening an item changes the key;
- whatever else the caller names (``extra``: e.g. whether the viewer may edit).

A save therefore changes the key, and no page shows a part older than the inventory row its
own request read. Whoever adds something else to a cached fragment adds what it depends on to
``extra`` or to ``fragment_key``.
"""

import dataclasses
import functools
import hashlib
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.template import engines
from django.utils import translation

from inventories.completeness import Completeness, inventory_completeness
from inventories.models import CompletionItem
from inventories.selectors import inventory_parts_load

#: Seconds a fragment stays cached. A save makes the old one unreachable at once; the timeout
#: only bounds the memory that unreachable fragments hold in the shared Redis (Del 2 with 300
#: interventions is about 0.5 MB per revision and language).
FRAGMENT_TIMEOUT = 60 * 60


@functools.cache
def templates_digest() -> str:
    """A short digest of every template of the portal's own folders (read once per process)."""
    root = Path(settings.BASE_DIR).resolve()
    folders = {
        Path(folder).resolve()
        for engine in engines.all()
        for folder in getattr(engine, "template_dirs", ())
    }
    digest = hashlib.blake2b(digest_size=6)
    for folder in sorted(f for f in folders if f.is_relative_to(root) and ".venv" not in f.parts):
        for path in sorted(folder.rglob("*.html")):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def open_items_key(inventory) -> str:
    """The open completion items of ``inventory`` as part of a key (prefetched with the
    inventory by ``inventories.selectors``; read here with one query if they were not)."""
    items = getattr(inventory, "open_completion_items", None)
    if items is None:
        items = inventory.open_completion_items = list(
            inventory.completion_items.filter(status=CompletionItem.Status.OPEN).order_by(
                "request__created_at", "position", "id"
            )
        )
    return "i" + ",".join(str(pk) for pk in sorted(item.pk for item in items))


def fragment_key(kind: str, inventory, *extra) -> str:
    """The cache key of ``kind`` (e.g. ``"part2-list"``) for ``inventory`` as saved now."""
    round_ = inventory.round
    parts = [
        "inventory-fragment",
        templates_digest(),
        kind,
        str(inventory.pk),
        f"r{inventory.revision}",
        inventory.status,
        open_items_key(inventory),
        f"{round_.pk}:{round_.period_start}:{round_.period_end}:{round_.start_capital}",
        translation.get_language() or "",
        *(str(value) for value in extra),
    ]
    return ":".join(parts)


def version_fragment_key(kind: str, version, *extra) -> str:
    """The cache key of ``kind`` for a submitted version: immutable, so its number and hash
    name its content for good (``extra`` names e.g. the version it is compared with)."""
    parts = [
        "version-fragment",
        templates_digest(),
        kind,
        str(version.pk),
        version.sha256,
        translation.get_language() or "",
        *(str(value) for value in extra),
    ]
    return ":".join(parts)


def completeness_cached(inventory) -> Completeness:
    """``inventory_completeness`` of ``inventory``, computed once per revision and language.

    On a miss the parts are loaded into ``inventory`` (a few queries) unless they already are."""
    key = fragment_key("completeness", inventory)
    found = cache.get(key)
    if found is None:
        found = inventory_completeness(inventory_parts_load(inventory))
        # Lazy texts become plain ones in the language of the key.
        found = Completeness(
            items=[
                dataclasses.replace(item, hint=str(item.hint) if item.hint else None)
                for item in found.items
            ]
        )
        cache.set(key, found, FRAGMENT_TIMEOUT)
    return found
