"""``{% cachedhtml key %}…{% endcachedhtml %}``: a block of a staff page rendered once per key
(``staff.fragments``)."""

from django import template

from staff.fragments import CSRF_PLACEHOLDER, cached_html

register = template.Library()


class CachedHtmlNode(template.Node):
    def __init__(self, nodelist, key):
        self.nodelist, self.key = nodelist, key

    def render(self, context):
        key = self.key.resolve(context)
        if not key:
            return self.nodelist.render(context)

        def render():
            with context.push(csrf_token=CSRF_PLACEHOLDER):
                return self.nodelist.render(context)

        return cached_html(key, render, context.get("csrf_token", ""))


@register.tag
def cachedhtml(parser, token):
    """The block as rendered for ``key`` (built by ``staff.fragments``, which names everything
    the block shows), rendered again only when the key changes; an empty key renders it without
    the cache. The block must hold nothing that depends on the viewer beyond what the key names
    (forms in it get each response's own CSRF token). Pass the block's data lazily, so that a
    cached block costs no queries."""
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("cachedhtml needs a key")
    nodelist = parser.parse(("endcachedhtml",))
    parser.delete_first_token()
    return CachedHtmlNode(nodelist, parser.compile_filter(bits[1]))
