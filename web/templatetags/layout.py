"""The layout's parts (templates/base.html)."""

from django import template

from web.parts import render_part

register = template.Library()


@register.simple_tag(takes_context=True)
def site_header(context):
    """The site's header and navigation for the person of `context`: their cart's count and
    their spaces' links (`web.context_processors.site`), the logout form. A Jinja2 part
    (templates/jinja2/site_header.html): every page renders it, and in the Django template
    language it cost a quarter of a logged-in page's work before its own (docs/PERFORMANCE.md).
    A page rendered without a request (an error page) gets the header of a visitor."""
    return render_part(
        context.get("request"),
        "site_header.html",
        {
            "user": context.get("user"),
            "cart_count": context.get("cart_count", 0),
            "is_approver": context.get("is_approver", False),
            "conventions_to_accept": context.get("conventions_to_accept", 0),
            "is_provider": context.get("is_provider", False),
            # The page's own token (Django's `csrf` context processor, masked once for the
            # page), not a second one: Jinja2's `csrf_input` masks a new token at each use.
            "page_csrf_token": context.get("csrf_token", ""),
        },
    )
