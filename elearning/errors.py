"""What staff do about an error of e-ParcoursPro (Moodle), in French.

Moodle sends `errorcode` and `message` always, `debuginfo` only when its debugging is on:
the message alone is often « Invalid parameter value detected » or « Access control
exception », so the advice names every cause the code can have, and the precise one when the
debuginfo (or the message) says it. docs/E-PARCOURSPRO.md § 4.6 is the same table.
"""

from __future__ import annotations

from .identity import EMAIL_TAKEN
from .moodle import EMPTY_ANSWER, UNEXPECTED_ANSWER

DEBUGGING = (
    "Pour voir le détail (debuginfo), activez le débogage de Moodle : Administration du site › "
    "Développement › Débogage, « Messages de débogage » au moins NORMAL (ou, pour le seul "
    "compte de service, $CFG->debugusers dans config.php), puis relancez."
)

GENERAL = {
    "invalidtoken": (
        "Jeton inconnu, expiré ou révoqué : créez un jeton pour le compte de service et le "
        "service « ParcoursPro » (Serveur › Services web › Gérer les jetons), mettez-le dans "
        "E_PARCOURSPRO_WS_TOKEN, puis relancez."
    ),
    "accessexception": (
        "Moodle refuse l'accès au compte de service. Causes possibles : authentification "
        "« Pas de connexion » (nologin) ou compte suspendu — mettez « Comptes manuels » et "
        "réactivez-le ; capacité webservice/rest:use manquante ; compte absent des "
        "utilisateurs autorisés du service ; fonction absente du service. Lancez "
        "« python manage.py e_parcourspro_check » : il dit laquelle."
    ),
    "nopermissions": (
        "Une capacité manque au rôle du compte de service (le message la nomme) : voir la "
        "liste des capacités du guide (docs/E-PARCOURSPRO.md § 4.2), puis relancez."
    ),
    "requireloginerror": (
        "Le compte de service ne peut pas entrer dans le cours : donnez à son rôle les "
        "capacités moodle/course:view et moodle/course:viewhiddencourses (cours cachés), "
        "puis relancez."
    ),
    "sitepolicynotagreed": (
        "Le compte de service n'a pas accepté la politique du site : connectez-vous une fois "
        "avec ce compte et acceptez-la (ou acceptez-la pour lui dans Utilisateurs › "
        "Politiques), puis relancez."
    ),
    "wsusercannotassign": (
        "Le rôle du compte de service ne peut pas attribuer le rôle Étudiant : Utilisateurs › "
        "Permissions › Définir les rôles › « Autoriser l'attribution des rôles », cochez "
        "Étudiant sur sa ligne ; vérifiez E_PARCOURSPRO_STUDENT_ROLE_ID et la capacité "
        "moodle/role:assign, puis relancez."
    ),
    "wsnoinstance": (
        "Le cours n'a pas de méthode « Inscription manuelle » active (ou le plugin est "
        "désactivé sur le site) : ajoutez-la ou activez-la dans le cours (Participants › "
        "Méthodes d'inscription), puis relancez."
    ),
    "wscannotenrol": (
        "La méthode « Inscription manuelle » du cours refuse les inscriptions : vérifiez-la "
        "dans le cours, puis relancez."
    ),
    "invalidrecord": (
        "Moodle ne trouve pas un enregistrement : une fonction que ParcoursPro appelle "
        "n'existe pas dans cette version de Moodle, ou le compte Moodle a été supprimé. "
        "Lancez « python manage.py e_parcourspro_check »."
    ),
    "codingerror": (
        "Moodle a rencontré une erreur interne (souvent : compte Moodle supprimé entre-temps). "
        "Relancez ; si elle revient, transmettez le détail à l'équipe technique."
    ),
    "http_404": "E_PARCOURSPRO_URL ne pointe pas vers Moodle : corrigez l'adresse.",
    "http_403": "E_PARCOURSPRO_URL ne pointe pas vers Moodle, ou un pare-feu bloque l'appel.",
    EMPTY_ANSWER: (
        "Moodle a répondu une page vide : les services web ou le protocole REST sont "
        "désactivés. Administration du site › Fonctions avancées › « Activer les services "
        "web », et Serveur › Services web › Gérer les protocoles › REST, puis relancez."
    ),
    UNEXPECTED_ANSWER: (
        "La réponse n'est pas celle de Moodle (page HTML d'un proxy, d'un portail, ou autre "
        "adresse) : vérifiez E_PARCOURSPRO_URL et ce qui répond à cette adresse (la réponse "
        "reçue est enregistrée), puis relancez."
    ),
    EMAIL_TAKEN: (
        "Un autre compte e-ParcoursPro a déjà la nouvelle adresse de la personne (souvent créé "
        "par une connexion faite avant la mise à jour) : dans Moodle, gardez le compte qui a "
        "ses parcours, supprimez ou renommez l'autre, puis relancez."
    ),
    "update_warning": "Moodle n'a pas accepté la mise à jour du compte : lisez son message.",
    "gave_up": (
        "Moodle n'a pas répondu pendant tout le délai de nouvelles tentatives "
        "(E_PARCOURSPRO_GIVE_UP_DAYS). Une fois Moodle joignable, relancez."
    ),
    "internal_error": (
        "Erreur de ParcoursPro en préparant l'opération (le détail est enregistré) : "
        "transmettez-le à l'équipe technique."
    ),
}

# invalidparameter: Moodle's message is « Invalid parameter value detected »; the cause is in
# the debuginfo (`invalid_parameter_exception($debuginfo)`).
INVALID_PARAMETER = [
    (
        "context does not exist",
        "Le cours n'existe pas sur e-ParcoursPro (external_api::validate_context : « Context "
        "does not exist ») : corrigez l'identifiant du cours sur la fiche de l'action, puis "
        "relancez.",
    ),
    (
        "email address already exists",
        "La personne a déjà un compte e-ParcoursPro avec cette adresse, que le compte de service "
        "ne voit pas : donnez-lui la capacité moodle/site:viewuseridentity (et l'adresse dans "
        "« Afficher l'identité des utilisateurs »), ou, dans Moodle, mettez le numéro de la "
        "personne (#1234 → 1234) comme « Numéro d'identification » de ce compte, puis relancez.",
    ),
    (
        "username already exists",
        "Un compte e-ParcoursPro porte déjà ce nom d'utilisateur sans que le compte de service le "
        "voie : donnez-lui la capacité moodle/user:viewalldetails, puis relancez.",
    ),
    (
        "invalid authentication type",
        "Moodle ne connaît pas l'authentification OAuth 2 : vérifiez que le plugin est présent.",
    ),
]
INVALID_PARAMETER_UNKNOWN = (
    "Moodle refuse un paramètre sans dire lequel. Le plus souvent : cours inexistant "
    "(identifiant erroné sur la fiche de l'action) ou adresse déjà prise par un autre compte. "
)


def advice(code: str, text: str = "") -> str:
    """What to do about error `code`; `text` is Moodle's message and debuginfo, if any."""
    lowered = text.lower()
    if code == "invalidparameter":
        for needle, what in INVALID_PARAMETER:
            if needle in lowered:
                return what
        return INVALID_PARAMETER_UNKNOWN + DEBUGGING
    if code == "accessexception":
        if "nologin" in lowered:
            return (
                "Le compte de service a l'authentification « Pas de connexion » : Moodle refuse "
                "alors tout jeton (webservice/lib.php). Mettez « Comptes manuels », puis relancez."
            )
        if "suspended" in lowered:
            return "Le compte de service est suspendu : réactivez-le, puis relancez."
        if "webservice/rest:use" in lowered:
            return (
                "Le rôle du compte de service n'a pas la capacité webservice/rest:use : "
                "ajoutez-la, puis relancez."
            )
        if "not allowed for this service" in lowered:
            return (
                "Le compte de service n'est pas parmi les utilisateurs autorisés du service "
                "« ParcoursPro » : ajoutez-le, puis relancez."
            )
        if "access to the function" in lowered:
            return (
                "Une fonction manque au service « ParcoursPro » (le détail la nomme) : "
                "ajoutez-la (Serveur › Services web › Services externes › Fonctions), puis "
                "relancez."
            )
        return GENERAL[code] + " " + DEBUGGING
    if code in GENERAL:
        return GENERAL[code]
    if code:
        return (
            "Erreur de Moodle : lisez son message et son détail ; après correction, relancez. "
            + DEBUGGING
        )
    return ""
