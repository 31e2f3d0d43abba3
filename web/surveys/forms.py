"""The questionnaire's form: its items as 1–5 scales (a fieldset and its legend each), a
free text, and the consent to be named, unticked by default."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from surveys import rules
from surveys.models import Survey
from surveys.services import COMMENT_MAX_LENGTH
from web.forms import PageForm

NB = "\u00a0"
SCALE = [
    (1, _("1 — Pas du tout")),
    (2, _("2 — Peu")),
    (3, _("3 — Moyennement")),
    (4, _("4 — Plutôt oui")),
    (5, _("5 — Tout à fait")),
]
QUESTIONS = {
    "objectives": _("Les objectifs de l'action ont-ils été atteints\u00a0?"),
    "content": _("Le contenu répondait-il à vos besoins\u00a0?"),
    "trainer": _("Êtes-vous satisfait·e de l'intervenant·e\u00a0?"),
    "organisation": _(
        "Êtes-vous satisfait·e de l'organisation (inscription, accueil, lieu ou connexion, "
        "horaires)\u00a0?"
    ),
}
IMPACT = {
    Survey.Kind.COLD: _("Ce que vous avez appris a-t-il changé votre pratique\u00a0?"),
    Survey.Kind.EMPLOYER: _(
        "Cette action a-t-elle eu un effet sur la pratique de vos salariés\u00a0?"
    ),
}
COMMENT = {
    Survey.Kind.HOT: _("Un commentaire, une suggestion\u00a0? (facultatif)"),
    Survey.Kind.COLD: _("Qu'est-ce qui a changé dans votre pratique\u00a0? (facultatif)"),
    Survey.Kind.EMPLOYER: _("Qu'avez-vous observé\u00a0? (facultatif)"),
}
CONSENT = _("J'accepte que mes réponses soient transmises nominativement à l'équipe Cap Métiers")
CONSENT_HELP = _(
    "Sans votre accord, l'équipe lit vos réponses sans votre nom. Le prestataire et "
    "l'employeur ne voient que des moyennes, jamais pour moins de 3\u00a0réponses."
)


class SurveyForm(PageForm):
    """The items of `kind` (rules.ITEMS), then the comment and the consent."""

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        for item in rules.ITEMS[kind]:
            label = IMPACT[kind] if item == "impact" else QUESTIONS[item]
            self.fields[item] = forms.TypedChoiceField(
                label=label,
                choices=SCALE,
                coerce=int,
                widget=forms.RadioSelect(attrs={"class": "scale"}),
                error_messages={"required": _("Choisissez une note de 1 à 5.")},
            )
        self.fields["comment"] = forms.CharField(
            label=COMMENT[kind],
            required=False,
            max_length=COMMENT_MAX_LENGTH,
            widget=forms.Textarea(attrs={"rows": 4}),
        )
        self.fields["consent_named"] = forms.BooleanField(
            label=CONSENT, required=False, initial=False, help_text=CONSENT_HELP
        )
        self.items = rules.ITEMS[kind]

    def scores(self) -> dict:
        return {item: self.cleaned_data[item] for item in self.items}
