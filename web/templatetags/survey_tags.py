"""« Mon espace » lists the questionnaires a person has to answer (the page's view stays
enrollment's; this section is the questionnaires')."""

from django import template

from surveys.selectors import to_answer

register = template.Library()


@register.inclusion_tag("surveys/_to_answer.html", takes_context=True)
def surveys_to_answer(context):
    return {"surveys": to_answer(context["request"].user)}
