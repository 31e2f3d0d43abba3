"""The demo's data (DESIGN.md, demo accounts): what `manage.py seed_demo` creates.

Constants only, no database: the command's steps find or create one row from each entry, in
the order listed here. Accounts are (email, profile) pairs; the steps attach them to their
structures. The FAQ (Q1–Q14) is in `demo.faq`.
"""

from catalog.models import ActionKind
from common.choices import Department, EmploymentStatus, FieldOfActivity
from employers.models import Structure

DEMO_PASSWORD = "parcourspro-demo"
# e-ParcoursPro's OpenID Connect client in the demo: a Moodle on this machine, port 8080.
DEMO_MOODLE_CALLBACK = "http://127.0.0.1:8080/admin/oauth2callback.php"
DEMO_CLIENT_SECRET = "parcourspro-demo-moodle"
DEPARTMENTS = [d.value for d in Department]

K = ActionKind

THEMES = [
    "Accompagnement des publics",
    "Orientation tout au long de la vie",
    "Insertion et emploi",
    "Ingénierie et pédagogie de formation",
    "Numérique et accompagnement à distance",
    "Validation des acquis de l'expérience",
    "Égalité, discrimination et handicap",
    "Territoires et partenariats",
]

PROVIDERS = [
    ("Cap Métiers Nouvelle-Aquitaine", "formation@cap-metiers.test"),
    ("Coopérative Trajectoires", "contact@trajectoires.test"),
    ("Institut Aquitain de Pédagogie", "accueil@iap.test"),
    ("Atelier Médiations", "bonjour@atelier-mediations.test"),
    ("Réseau Emploi Solidaire", "reseau@emploi-solidaire.test"),
    ("Numérique Inclusif Conseil", "equipe@numerique-inclusif.test"),
]

PROVIDER_PHONE = "05 57 00 00 00"
DEMO_PROVIDER = 1  # position in PROVIDERS of the provider with a user and requests to handle

# (title, kind, theme index, provider index, duration in days, nearly full)
ACTIONS = [
    ("Conduire un entretien d'orientation", K.TRAINING, 1, 0, "2", False),
    ("Accompagner les jeunes en situation de décrochage", K.TRAINING, 0, 1, "3", False),
    ("Les fondamentaux de l'accompagnement à la VAE", K.TRAINING, 5, 0, "2", False),
    ("Animer un atelier collectif de recherche d'emploi", K.TRAINING, 2, 4, "2", False),
    ("Prévenir les discriminations à l'embauche", K.TRAINING, 6, 3, "1", False),
    ("Accompagner les publics en situation de handicap", K.TRAINING, 6, 1, "2", False),
    ("Concevoir une séquence de formation en multimodal", K.TRAINING, 3, 2, "3", False),
    ("L'approche orientée solutions en entretien", K.TRAINING, 0, 3, "2", False),
    ("Mobiliser le réseau d'entreprises de son territoire", K.TRAINING, 7, 4, "1", False),
    ("Repérer et accompagner l'illettrisme", K.TRAINING, 0, 2, "2", False),
    ("Le conseil en évolution professionnelle : posture et outils", K.TRAINING, 1, 0, "3", False),
    ("Gérer les situations difficiles en accueil", K.TRAINING, 0, 3, "1", False),
    ("Le bilan de compétences : méthodes et outils", K.TRAINING, 1, 2, "2", False),
    ("Accompagner vers l'emploi les personnes réfugiées", K.TRAINING, 2, 1, "2", False),
    ("Évaluer les acquis en formation", K.TRAINING, 3, 2, "1", False),
    ("Les métiers en tension en Nouvelle-Aquitaine", K.TUTORED_SELF_TRAINING, 1, 0, "1", False),
    (
        "S'approprier les outils numériques de l'accompagnement",
        K.TUTORED_SELF_TRAINING,
        4,
        5,
        "1.5",
        False,
    ),
    ("Initiation à l'accompagnement VAE", K.TUTORED_SELF_TRAINING, 5, 0, "2", False),
    (
        "Comprendre le système de formation professionnelle",
        K.TUTORED_SELF_TRAINING,
        3,
        0,
        "1",
        False,
    ),
    (
        "Co-développement : les situations complexes d'accompagnement",
        K.PRACTICE_WORKSHOP,
        0,
        3,
        "1",
        False,
    ),
    ("Échanges de pratiques entre conseillers en insertion", K.PRACTICE_WORKSHOP, 2, 4, "1", False),
    ("Analyse de pratiques des accompagnateurs VAE", K.PRACTICE_WORKSHOP, 5, 3, "0.5", False),
    ("Co-développement des formateurs d'adultes", K.PRACTICE_WORKSHOP, 3, 2, "1", False),
    ("Découvrir les métiers du grand âge", K.DISCOVERY_MODULE, 1, 1, "0.5", False),
    ("Découvrir l'économie sociale et solidaire", K.DISCOVERY_MODULE, 7, 4, "1", False),
    (
        "Découvrir les dispositifs d'insertion par l'activité économique",
        K.DISCOVERY_MODULE,
        2,
        4,
        "0.5",
        False,
    ),
    ("Découvrir la plateforme régionale d'orientation", K.DISCOVERY_MODULE, 1, 0, "0.5", False),
    ("Le numérique au service de l'orientation", K.WEBINAR, 4, 5, "0.5", True),
    ("Réforme de l'apprentissage : ce qui change", K.WEBINAR, 3, 0, "0.5", False),
    ("France Travail : le nouveau parcours d'accompagnement", K.WEBINAR, 2, 4, "0.5", True),
    ("L'intelligence artificielle dans l'accompagnement", K.WEBINAR, 4, 5, "0.5", False),
    ("Présentation des nouvelles certifications VAE", K.WEBINAR, 5, 0, "0.5", False),
    ("Les jeunes et le travail : quelles attentes ?", K.CONFERENCE, 1, 1, "0.5", True),
    ("Santé mentale et insertion professionnelle", K.CONFERENCE, 0, 3, "0.5", False),
    ("Transitions écologiques et nouveaux métiers", K.CONFERENCE, 7, 0, "0.5", False),
    ("L'égalité femmes-hommes dans l'orientation", K.CONFERENCE, 6, 1, "0.5", False),
    (
        "Coopérer entre acteurs de l'emploi sur un territoire rural",
        K.ROUND_TABLE,
        7,
        4,
        "0.5",
        True,
    ),
    ("Accompagner les reconversions : regards croisés", K.ROUND_TABLE, 1, 2, "0.5", False),
    (
        "L'accès à l'emploi des personnes en situation de handicap",
        K.ROUND_TABLE,
        6,
        3,
        "0.5",
        False,
    ),
    ("Animer un webinaire avec ses publics", K.WEB_WORKSHOP, 4, 5, "0.5", True),
    ("Créer un CV vidéo avec les personnes accompagnées", K.WEB_WORKSHOP, 4, 5, "0.5", False),
    ("Utiliser les données de l'emploi local", K.WEB_WORKSHOP, 7, 2, "0.5", False),
    ("Rédiger une offre d'emploi inclusive", K.WEB_WORKSHOP, 6, 4, "0.5", False),
    ("Le portfolio de compétences en ligne", K.WEB_WORKSHOP, 3, 5, "0.5", False),
]

SUMMARIES = {
    K.TRAINING: "Une formation de {days} pour les professionnels qui veulent approfondir "
    "« {title} » à partir de situations réelles, d'apports méthodologiques et d'outils.",
    K.TUTORED_SELF_TRAINING: "Un parcours d'autoformation à distance sur e-ParcoursPro, à "
    "votre rythme, avec un tuteur qui répond à vos questions : « {title} ».",
    K.PRACTICE_WORKSHOP: "Un atelier entre pairs pour analyser des situations vécues et "
    "trouver ensemble des pistes d'action : « {title} ».",
    K.DISCOVERY_MODULE: "Un module court pour découvrir un secteur, un dispositif ou un "
    "métier et mieux orienter vos publics : « {title} ».",
}
SHORT_SUMMARY = (
    "Un format court ouvert à tous les professionnels du secteur : des intervenants, des "
    "repères et un temps de questions-réponses sur « {title} »."
)

OBJECTIVES = (
    "À l'issue de l'action, les participants seront capables de :\n"
    "- situer les enjeux et le cadre de « {title} » ;\n"
    "- mobiliser des outils concrets dans leur pratique ;\n"
    "- échanger avec d'autres professionnels du territoire."
)
AUDIENCE = (
    "Professionnels de l'orientation, de la formation, de l'insertion et de l'emploi en "
    "Nouvelle-Aquitaine."
)
PREREQUISITES = "Exercer une mission d'accompagnement."  # for every third action
PROGRAMME = (
    "Matin : apports et repères.\n\nAprès-midi : mises en situation, analyse de cas, plan "
    "d'action individuel."
)

# Sessions: capacities drawn at random (seeded by the action's slug) from these lists.
MEMBER_ONLY_CAPACITIES = [10, 12, 14, 16]
REMOTE_CAPACITIES = [30, 40, 60, 80]
ON_SITE_CAPACITIES = [40, 60]
NEARLY_FULL_CAPACITY = 6  # the first session of a nearly full action
E_PARCOURSPRO_URL = "https://e-parcourspro.cap-metiers.pro/"
VISIO_URL = "https://visio.cap-metiers.test/"  # followed by the action's slug
CITIES = {
    "16": "Angoulême",
    "17": "La Rochelle",
    "19": "Tulle",
    "23": "Guéret",
    "24": "Périgueux",
    "33": "Pessac",
    "40": "Mont-de-Marsan",
    "47": "Agen",
    "64": "Pau",
    "79": "Niort",
    "86": "Poitiers",
    "87": "Limoges",
}
DEFAULT_CITY = "Pessac"

# (name, kind, department, city, postal code, member of Cap Métiers)
STRUCTURES = [
    ("Mission locale des Graves", Structure.Kind.LOCAL_MISSION, "33", "Pessac", "33600", True),
    ("Association Tremplin Charente", Structure.Kind.ASSOCIATION, "16", "Angoulême", "16000", True),
    (
        "Centre de formation Atlantique",
        Structure.Kind.TRAINING_BODY,
        "17",
        "La Rochelle",
        "17000",
        True,
    ),
    (
        "Chantier d'insertion Les Jardins du Limousin",
        Structure.Kind.INTEGRATION,
        "87",
        "Limoges",
        "87000",
        True,
    ),
    ("Maison de l'emploi du Béarn", Structure.Kind.PUBLIC_BODY, "64", "Pau", "64000", True),
    ("Agence Parcours Conseil", Structure.Kind.COMPANY, "86", "Poitiers", "86000", False),
    (
        "Association Horizons Landes",
        Structure.Kind.ASSOCIATION,
        "40",
        "Mont-de-Marsan",
        "40000",
        False,
    ),
]

MEMBER, OTHER_MEMBER, NON_MEMBER = 0, 1, 5  # positions in STRUCTURES
SOLO_STRUCTURE_NUMBER = 99  # its SIRET is siret_for(99), apart from the numbers of STRUCTURES
SOLO_STRUCTURE = {  # the independent's one-person structure
    "name": "Élise Garnier — conseil en évolution professionnelle",
    "kind": Structure.Kind.INDEPENDENT,
    "department": "24",
    "city": "Périgueux",
    "postal_code": "24000",
}

_PROFESSIONAL = {"field_of_activity": FieldOfActivity.INTEGRATION, "phone": "05 56 00 00 00"}

ADMIN = (
    "admin@parcourspro.test",
    {"first_name": "Camille", "last_name": "Admin", "is_staff": True, "is_superuser": True},
)
EMPLOYER = (  # approver of the MEMBER structure
    "employeur@parcourspro.test",
    {
        "first_name": "Nadia",
        "last_name": "Benali",
        "job_title": "Directrice",
        "employment_status": EmploymentStatus.EMPLOYEE,
        "department": "33",
        **_PROFESSIONAL,
    },
)
EMPLOYEES = [  # of the MEMBER structure
    (
        f"salarie{number}@parcourspro.test",
        {
            "first_name": first_name,
            "last_name": last_name,
            "job_title": "Conseiller·ère en insertion professionnelle",
            "employment_status": EmploymentStatus.EMPLOYEE,
            "department": "33",
            **_PROFESSIONAL,
        },
    )
    for number, (first_name, last_name) in enumerate(
        [("Julie", "Martin"), ("Thomas", "Dubois"), ("Inès", "Moreau")], start=1
    )
]
INDEPENDENT = (  # alone in SOLO_STRUCTURE, and its approver
    "independant@parcourspro.test",
    {
        "first_name": "Élise",
        "last_name": "Garnier",
        "job_title": "Consultante en bilan de compétences",
        "employment_status": EmploymentStatus.INDEPENDENT,
        "field_of_activity": FieldOfActivity.GUIDANCE,
        "department": "24",
        "phone": "05 53 00 00 00",
    },
)
JOB_SEEKER = (
    "demandeur@parcourspro.test",
    {
        "first_name": "Karim",
        "last_name": "Haddad",
        "job_title": "Formateur (en recherche d'emploi)",
        "employment_status": EmploymentStatus.JOB_SEEKER,
        "department": "47",
        **_PROFESSIONAL,
    },
)
OUTSIDER = (  # employee of the NON_MEMBER structure
    "horsadherent@parcourspro.test",
    {
        "first_name": "Sophie",
        "last_name": "Lefèvre",
        "job_title": "Chargée d'accompagnement",
        "employment_status": EmploymentStatus.EMPLOYEE,
        "department": "86",
        **_PROFESSIONAL,
    },
)
PROVIDER_USER = (  # a user of PROVIDERS[DEMO_PROVIDER]
    "prestataire@parcourspro.test",
    {"first_name": "Marc", "last_name": "Rivière", "job_title": "Responsable pédagogique"},
)

# Requests that fill the nearly full sessions (short formats: no employer to approve).
PROS = [
    (
        f"pro{number:02d}@demo.parcourspro.test",
        {
            "first_name": "Pro",
            "last_name": f"Démo {number:02d}",
            "job_title": "Conseiller·ère emploi",
            "employment_status": EmploymentStatus.JOB_SEEKER
            if number % 4 == 0
            else EmploymentStatus.INDEPENDENT,
            "field_of_activity": FieldOfActivity.EMPLOYMENT,
            "department": DEPARTMENTS[number % 12],
            "phone": "06 00 00 00 00",
        },
    )
    for number in range(1, 9)
]
SHORT_FORMAT_MOTIVATION = "Mieux accompagner les publics de ma structure."

# Requests at every step for the demo provider: the OTHER_MEMBER structure's approver and two
# agents, a colleague of the employees of MEMBER (each in their structure's department).
OTHER_APPROVER = (
    "valideur.tremplin@demo.parcourspro.test",
    {
        "first_name": "Luc",
        "last_name": "Fontaine",
        "job_title": "Directeur",
        "employment_status": EmploymentStatus.EMPLOYEE,
        "field_of_activity": FieldOfActivity.INTEGRATION,
    },
)
AGENTS = [
    (
        f"agent{number}@demo.parcourspro.test",
        {
            "first_name": "Agent",
            "last_name": f"Démo {number}",
            "job_title": "Accompagnateur·rice socio-professionnel·le",
            "employment_status": EmploymentStatus.EMPLOYEE,
            "field_of_activity": FieldOfActivity.INTEGRATION,
            "phone": "05 45 00 00 00",
        },
    )
    for number in (1, 2)
]
COLLEAGUE = (
    "collegue@demo.parcourspro.test",
    {
        "first_name": "Paul",
        "last_name": "Collègue",
        "job_title": "Conseiller en insertion professionnelle",
        "employment_status": EmploymentStatus.EMPLOYEE,
        "field_of_activity": FieldOfActivity.INTEGRATION,
        "phone": "05 56 00 00 01",
    },
)
REQUESTED_KINDS = [ActionKind.TRAINING, ActionKind.PRACTICE_WORKSHOP]
REQUEST_MOTIVATION = (
    "Je veux renforcer mes pratiques d'accompagnement et partager des outils avec d'autres "
    "professionnels."
)
PAST_MOTIVATION = "Découvrir de nouveaux outils d'accompagnement."
PAST_HISTORY_REASON = "Historique importé pour la démonstration"
