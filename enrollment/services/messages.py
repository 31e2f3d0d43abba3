"""What the services say when they refuse, beside the rules' own table (`rules.MESSAGES`).

French is the source language; each text is translated when it is raised (`text`), in the
language of the request. Placeholders are named (`%(count)s`) so that a translation may
move them.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

MESSAGES = {
    # The cart (R3).
    "cart_refused": ngettext_lazy(
        "Votre panier n'a pas été validé : une demande ne peut pas aboutir. Retirez-la ou "
        "corrigez la situation indiquée, puis validez à nouveau.",
        "Votre panier n'a pas été validé : %(count)s demandes ne peuvent pas aboutir. "
        "Retirez-les ou corrigez les situations indiquées, puis validez à nouveau.",
        "count",
    ),
    "contact_incomplete": _("Vos coordonnées sont incomplètes : renseignez %(fields)s."),
    "contact_email_invalid": _("Votre adresse électronique n'est pas valide : corrigez-la."),
    "motivations_missing": _(
        "Décrivez vos motivations et vos attentes pour cette action : le prestataire les lit "
        "avant de confirmer votre inscription."
    ),
    "account_gone": _("Ce compte n'existe plus."),
    "empty_cart": _("Votre panier est vide : ajoutez une session depuis le catalogue."),
    # The employer's and the provider's decisions (R4, R10).
    "own_request": _(
        "Vous ne pouvez pas décider de votre propre demande : une autre personne qui valide "
        "pour votre structure doit le faire."
    ),
    "not_approver": _("Vous ne validez pas les demandes de cette structure."),
    "detached": _("Rattachement à « %(structure)s » terminé par la structure."),
    "not_pending_employer": _("Cette demande n'attend plus de décision de l'employeur."),
    "lapsed_at_deadline": _(
        "Cette demande a expiré à la date limite d'inscription de la session : il n'y a plus de "
        "décision à prendre."
    ),
    "not_provider": _("Vous n'êtes pas le prestataire de cette session."),
    "not_pending_confirmation": _("Cette demande n'attend pas votre confirmation."),
    "not_pending_decision": _("Cette demande n'attend pas votre décision."),
    # The professional's withdrawal (R8).
    "not_owner": _("Seule la personne inscrite peut se désister."),
    # Staff.
    "staff_only_promote": _("Seule l'équipe Cap Métiers peut attribuer une place."),
    "staff_only_capacity": _("Seule l'équipe Cap Métiers modifie les places."),
    "staff_only_cancel_session": _("Seule l'équipe Cap Métiers annule une session."),
    "staff_only_change_session": _("Seule l'équipe Cap Métiers modifie une session."),
    "not_waitlisted": _("Cette demande n'est pas en liste d'attente."),
    "no_free_place": _(
        "Plus aucune place libre dans cette session : augmentez le nombre de places ou "
        "attendez un désistement."
    ),
    "capacity_below_held": _(
        "Le nombre de places ne peut pas descendre sous %(minimum)s, le nombre de places déjà "
        "attribuées."
    ),
    "attendance_too_early": _("La présence se note une fois la session commencée."),
    "not_participant": _(
        "Cette personne ne participe pas à la session (demande non confirmée ou désistement) : "
        "sa présence ne se note pas."
    ),
    # The late release's offers (services.offers).
    "offer_not_yours": _("Cette place a été proposée à quelqu'un d'autre."),
    "offer_expired": _(
        "Le délai pour accepter cette place est dépassé (il se terminait le %(moment)s) : elle "
        "a été proposée à la personne suivante de la liste d'attente."
    ),
    "offer_declined": _(
        "Vous avez déjà indiqué ne plus être disponible : la place a été proposée à la "
        "personne suivante."
    ),
    "offer_accepted": _("Vous avez déjà accepté cette place : retrouvez-la dans « Mon espace »."),
    "offer_closed": _("Cette proposition de place est close : il n'y a plus rien à répondre."),
    "offer_detached": _(
        "Votre demande a été faite pour « %(structure)s », à laquelle vous n'êtes plus rattaché·e."
    ),
    "offer_detached_refused": _(
        "Cette place ne peut pas vous être attribuée : %(reason)s Votre demande est close "
        "et la place est proposée à la personne suivante."
    ),
    "offer_ineligible": _(
        "Cette place ne peut pas vous être attribuée : %(reason)s Elle est proposée à la "
        "personne suivante ; votre demande reste en liste d'attente et sera reconsidérée si "
        "votre situation change."
    ),
    "offer_approval_lapsed": _(
        "Le délai de réponse de l'employeur pour cette place de dernière minute est dépassé : "
        "la demande a expiré et la place a été proposée à la personne suivante."
    ),
    # Electronic attendance (services.signing).
    "not_a_half_day": _("Cette demi-journée ne fait pas partie de la session."),
    "signing_remote": _(
        "Cette session se déroule à distance : la présence se relève d'après les connexions, "
        "sans signature."
    ),
    "sheet_validated": _(
        "La feuille de cette demi-journée est déjà validée : corrigez une présence avec un "
        "motif si besoin."
    ),
    "sign_not_participant": _(
        "Vous n'êtes pas inscrit·e à cette session (ou votre inscription n'est pas "
        "confirmée) : vous ne pouvez signer que pour vous-même, à une session où vous êtes "
        "attendu·e."
    ),
    "signature_drawing": _(
        "Le dessin de la signature n'a pas pu être lu : effacez-le et signez à nouveau, ou "
        "signez sans dessin."
    ),
    "correction_unchanged": _("La présence notée est déjà celle-ci : rien n'a été changé."),
    "validation_too_early": _(
        "Cette demi-journée n'a pas commencé : elle ne se valide pas encore."
    ),
    "attendance_attested": _(
        "La présence du %(day)s a été signée par la personne ou validée : modifiez-la depuis "
        "l'émargement électronique, avec un motif."
    ),
    # States (any service).
    "invalid_transition": _(
        "Cette demande est « %(current)s » : elle ne peut pas passer à « %(target)s »."
    ),
}

# The contact details of a cart's validation, as the messages name them.
CONTACT_LABELS = {
    "first_name": _("prénom"),
    "last_name": _("nom"),
    "email": _("adresse électronique"),
    "phone": _("téléphone"),
    "job_title": _("fonction"),
}


def text(key: str, **values) -> str:
    """A message of MESSAGES in the active language, its placeholders filled with `values`."""
    message = MESSAGES[key]
    return str(message % values if values else message)
