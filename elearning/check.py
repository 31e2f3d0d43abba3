"""`manage.py e_parcourspro_check`: is e-ParcoursPro (Moodle) set up for the enrolments?

It asks Moodle with the token, as the jobs will: `core_webservice_get_site_info` (who the
token is, which functions its service holds), then probes that change nothing and whose
answers tell a missing capability apart, following the order of Moodle's own checks:

- `core_user_get_users_by_field` for the guest account (always there): Moodle returns an
  account only to a token with moodle/user:viewdetails, with its username only with
  moodle/user:viewalldetails, and its email only with moodle/site:viewuseridentity
  (`user_get_user_details`, `core_user_external::get_users_by_field`).
- `core_user_create_users` with a blank username: `require_capability('moodle/user:create')`
  comes first (« nopermissions »), then « The field username cannot be blank »: nothing is
  created.
- `core_user_update_users` for account id 0: `require_capability('moodle/user:update')`, then
  the missing account is skipped.
- `enrol_manual_enrol_users` with role 0 in each course: `validate_context` (the course exists,
  « Context does not exist » otherwise; the token may enter it: moodle/course:view),
  `require_capability('enrol/manual:enrol')`, then `get_assignable_roles` refuses role 0
  (« wsusercannotassign »): nothing is enrolled.

What Moodle does not let a caller see (which roles the token may assign, the course's
« Inscription manuelle » method, the OAuth 2 login) is listed to check by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import advice
from .moodle import MoodleClient, MoodleError, MoodleUnavailable, MoodleUnexpected

REQUIRED_FUNCTIONS = (
    "core_webservice_get_site_info",
    "core_user_get_users_by_field",
    "core_user_create_users",
    "core_user_update_users",
    "enrol_manual_enrol_users",
)

OK, INFO, WARNING, ERROR = "ok", "info", "warning", "error"
LABELS = {OK: "OK", INFO: "À VÉRIFIER", WARNING: "ATTENTION", ERROR: "MANQUE"}


@dataclass(frozen=True)
class Finding:
    level: str
    text: str

    def __str__(self) -> str:
        return f"[{LABELS[self.level]}] {self.text}"


def _refused(what: str, error: MoodleError) -> Finding:
    detail = error.describe()
    return Finding(
        ERROR, f"{what} : {error.errorcode} — {detail}. {advice(error.errorcode, detail)}"
    )


def check(
    client: MoodleClient, *, course_ids=(), token_set: bool = True, url: str = ""
) -> list[Finding]:
    """Every finding, in order; any ERROR means enrolment would fail."""
    findings: list[Finding] = []
    if not token_set:
        return [
            Finding(
                ERROR,
                "E_PARCOURSPRO_WS_TOKEN n'est pas défini : créez le jeton du compte de service "
                "dans Moodle (docs/E-PARCOURSPRO.md § 4.2) et mettez-le dans la variable.",
            )
        ]
    if url.startswith("http://"):
        findings.append(
            Finding(
                WARNING,
                f"E_PARCOURSPRO_URL ({url}) est en http : le jeton circule en clair. "
                "Utilisez l'adresse https de Moodle.",
            )
        )
    try:
        info = client.site_info()
    except MoodleUnavailable as error:
        return [*findings, Finding(ERROR, f"Moodle ne répond pas : {error}")]
    except MoodleUnexpected as error:
        return [*findings, Finding(ERROR, f"{error.describe()} {advice(error.errorcode)}")]
    except MoodleError as error:
        if "core_webservice_get_site_info" in error.debuginfo:
            return [
                *findings,
                Finding(
                    ERROR,
                    "La fonction core_webservice_get_site_info n'est pas dans le service : "
                    "ajoutez-la (avec les autres : "
                    + ", ".join(REQUIRED_FUNCTIONS)
                    + "), puis relancez la vérification.",
                ),
            ]
        return [*findings, _refused("Moodle refuse le jeton", error)]
    findings.append(
        Finding(
            OK,
            f"Moodle « {info.get('sitename', '')} » ({info.get('release', '?')}) répond ; "
            f"le jeton est celui du compte « {info.get('username', '')} » "
            f"(id {info.get('userid', '?')}).",
        )
    )
    if info.get("userissiteadmin"):
        findings.append(
            Finding(
                WARNING,
                "Le jeton appartient à un administrateur du site : tout fonctionnera, mais un "
                "compte de service dédié, aux seules capacités nécessaires, est plus sûr.",
            )
        )
    available = {function["name"] for function in info["functions"]}
    missing = [name for name in REQUIRED_FUNCTIONS if name not in available]
    for name in missing:
        findings.append(
            Finding(
                ERROR,
                f"La fonction {name} n'est pas dans le service du jeton : ajoutez-la (Serveur › "
                "Services web › Services externes › ParcoursPro › Fonctions).",
            )
        )
    if not missing:
        findings.append(Finding(OK, "Les fonctions nécessaires sont dans le service."))
    if "core_user_get_users_by_field" in available:
        findings.append(_probe_visibility(client))
    if "core_user_create_users" in available:
        findings.append(_probe_create(client))
    if "core_user_update_users" in available:
        findings.append(_probe_update(client))
    if "enrol_manual_enrol_users" in available:
        if not course_ids:
            findings.append(
                Finding(
                    INFO,
                    "Aucun cours renseigné sur les actions : l'accès aux cours n'a pas pu être "
                    "vérifié (option --course).",
                )
            )
        for course_id in course_ids:
            findings.append(_probe_course(client, course_id, info.get("userid", 0)))
    findings.append(
        Finding(
            INFO,
            "Non vérifiable par les services web : que le rôle du compte de service puisse "
            "attribuer le rôle Étudiant (« Autoriser l'attribution des rôles »), que chaque "
            "cours ait la méthode « Inscription manuelle » active, et la connexion OAuth 2 "
            "(docs/E-PARCOURSPRO.md § 2 et 4.2).",
        )
    )
    return findings


def _probe_visibility(client: MoodleClient) -> Finding:
    try:
        guests = client.users_by_field("username", "guest")
    except (MoodleError, MoodleUnexpected) as error:
        return Finding(ERROR, f"Recherche d'un compte refusée : {error}")
    except MoodleUnavailable as error:
        return Finding(ERROR, f"Moodle ne répond pas : {error}")
    if not guests:
        return Finding(
            ERROR,
            "Le compte de service ne voit pas les comptes en entier : il lui manque "
            "moodle/user:viewdetails ou moodle/user:viewalldetails (Moodle lui cache alors les "
            "comptes : suspensions « sans objet », second parcours en échec). Ajoutez-les au "
            "rôle système du compte de service.",
        )
    if not guests[0].get("email"):
        return Finding(
            ERROR,
            "Le compte de service ne voit pas les adresses des comptes : il lui manque "
            "moodle/site:viewuseridentity, ou l'adresse n'est pas cochée dans « Afficher "
            "l'identité des utilisateurs » (Utilisateurs › Permissions › Politiques "
            "utilisateurs). Sans elle, ParcoursPro ne retrouve pas le compte qu'une personne a "
            "créé en se connectant, ni un changement d'adresse en conflit.",
        )
    return Finding(
        OK,
        "Le compte de service voit les comptes en entier (moodle/user:viewdetails, "
        "moodle/user:viewalldetails, moodle/site:viewuseridentity).",
    )


def _probe_create(client: MoodleClient) -> Finding:
    blank = {"username": "", "firstname": "", "lastname": "", "email": ""}
    try:
        client.call("core_user_create_users", users=[blank])
    except MoodleError as error:
        if error.errorcode == "invalidparameter":
            return Finding(OK, "Le compte de service peut créer des comptes (moodle/user:create).")
        return _refused("Création de comptes", error)
    except (MoodleUnavailable, MoodleUnexpected) as error:
        return Finding(ERROR, f"Création de comptes : {error}")
    return Finding(WARNING, "Moodle a accepté une création de compte vide : vérifiez ses comptes.")


def _probe_update(client: MoodleClient) -> Finding:
    try:
        client.update_user(0)
    except MoodleError as error:
        return _refused("Mise à jour des comptes", error)
    except (MoodleUnavailable, MoodleUnexpected) as error:
        return Finding(ERROR, f"Mise à jour des comptes : {error}")
    return Finding(OK, "Le compte de service peut mettre les comptes à jour (moodle/user:update).")


def _probe_course(client: MoodleClient, course_id: int, user_id: int) -> Finding:
    try:
        client.call(
            "enrol_manual_enrol_users",
            enrolments=[{"roleid": 0, "userid": user_id, "courseid": course_id}],
        )
    except MoodleError as error:
        if error.errorcode == "wsusercannotassign":
            return Finding(
                OK,
                f"Cours {course_id} : il existe, le compte de service peut y entrer "
                "(moodle/course:view) et y inscrire (enrol/manual:enrol).",
            )
        if error.errorcode == "invalidparameter":
            return Finding(
                ERROR,
                f"Cours {course_id} : Moodle ne le trouve pas (ou refuse le paramètre) — "
                f"{error.describe()}. Corrigez l'identifiant du cours sur la fiche de l'action.",
            )
        return _refused(f"Cours {course_id}", error)
    except (MoodleUnavailable, MoodleUnexpected) as error:
        return Finding(ERROR, f"Cours {course_id} : {error}")
    return Finding(WARNING, f"Cours {course_id} : Moodle a accepté une inscription au rôle 0.")
