"""Template filters for the inventory pages (the formatting itself is ``portal.formatting``),
and ``{% cachedparts %}``, the pages' cache of what they render from the parts."""

from django import template
from django.core.cache import cache
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from inventories.fragments import FRAGMENT_TIMEOUT, fragment_key, version_fragment_key
from inventories.models import InventoryVersion
from portal import formatting

register = template.Library()


@register.filter
def stockholm(value) -> str:
    """An aware datetime as Swedish people read it: ``20 januari 2020 kl. 23:59``."""
    if value is None:
        return ""
    return formatting.date_time(value)


@register.filter
def kronor(value) -> str:
    return formatting.kronor(value)


@register.filter
def days_left(deadline) -> str:
    """``"12 dagar kvar"``, ``"Sista dagen är i dag"`` or ``"Sista dag har passerat"``."""
    return formatting.days_left_text(deadline)


@register.filter
def part_state(missing: int, to_complete: int = 0) -> str:
    """``"Klar"``, ``"3 saker saknas"``, ``"2 att komplettera"`` or both: a part with items
    Tillväxtverket asks the region to complete is never "Klar"."""
    texts = [missing_text(missing)] if missing or not to_complete else []
    if to_complete:
        texts.append(
            ngettext("%(count)s att komplettera", "%(count)s att komplettera", to_complete)
            % {"count": to_complete}
        )
    return ", ".join(texts)


@register.filter
def missing_text(count: int) -> str:
    """``"Klar"`` or ``"3 saker saknas"``."""
    if not count:
        return _("Klar")
    return ngettext("%(count)s sak saknas", "%(count)s saker saknas", count) % {"count": count}


#: Stands for the request's CSRF token in a cached fragment (a fragment is shared by everyone
#: who sees the same inventory; each response gets its own token back in its place).
CSRF_PLACEHOLDER = "cachedpartscsrftoken7f3c9a"


class CachedPartsNode(template.Node):
    def __init__(self, nodelist, kind, inventory, extra):
        self.nodelist, self.kind, self.inventory, self.extra = nodelist, kind, inventory, extra

    def render(self, context):
        record, kind = self.inventory.resolve(context), self.kind.resolve(context)
        if record is None or not kind:
            return self.nodelist.render(context)
        make_key = version_fragment_key if isinstance(record, InventoryVersion) else fragment_key
        key = make_key(kind, record, *(v.resolve(context) for v in self.extra))
        html = cache.get(key)
        if html is None:
            with context.push(csrf_token=CSRF_PLACEHOLDER):
                html = str(self.nodelist.render(context))
            cache.set(key, html, FRAGMENT_TIMEOUT)
        if CSRF_PLACEHOLDER in html:
            html = html.replace(CSRF_PLACEHOLDER, str(context.get("csrf_token", "")))
        return mark_safe(html)  # noqa: S308 - rendered by the template engine, escaped there


@register.tag
def cachedparts(parser, token):
    """``{% cachedparts "kind" inventory extra… %}…{% endcachedparts %}``: the block as rendered
    for this revision of ``inventory`` (``inventories.fragments.fragment_key``), rendered again
    only when the key changes; given a submitted version instead, for that version for good
    (``version_fragment_key``). ``extra`` names whatever else the block depends on (e.g. whether
    the viewer may edit); everything the block shows must be derived from the parts or named
    there. Pass the block's data lazily so that a cached block costs no queries. An empty kind
    (e.g. ``None`` from the view) renders the block without the cache: a form with what the user
    typed, say."""
    bits = token.split_contents()
    if len(bits) < 3:
        raise template.TemplateSyntaxError("cachedparts needs a kind and an inventory")
    nodelist = parser.parse(("endcachedparts",))
    parser.delete_first_token()
    return CachedPartsNode(
        nodelist,
        parser.compile_filter(bits[1]),
        parser.compile_filter(bits[2]),
        [parser.compile_filter(bit) for bit in bits[3:]],
    )
