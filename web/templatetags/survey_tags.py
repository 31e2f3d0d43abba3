"""« Mon espace » lists the questionnaires a person has to answer (the page's view stays
enrollment's; this section is the questionnaires')."""

from django import template

from surveys.selectors import to_answer

register = template.Library()


@register.inclusion_tag("surveys/_to_answer.html", takes_context=True)
def surveys_to_answer(context):
    """The person's questionnaires; a person who approves for no structure (`is_approver`,
    from the header's statement: web.context_processors.site) has no employer's to read."""
    approver = context.get("is_approver", True)
    return {"surveys": to_answer(context["request"].user, approver=approver)}
