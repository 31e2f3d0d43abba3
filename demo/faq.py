"""The programme's FAQ (Q1–Q14) that `manage.py seed_demo` fills in: (category, question,
answer), in the order of the FAQ page."""

from django.conf import settings

from catalog.models import FaqEntry

# The login tutorial (web/elearning), absolute so that the FAQ page links it.
TUTORIAL_URL = f"{settings.SITE_URL}/e-parcourspro/premiere-connexion/"

FAQ = [
    (
        FaqEntry.Category.PROGRAMME,
        "À quoi sert ParcoursPro ?",
        "ParcoursPro est le programme régional de professionnalisation, financé par la Région "
        "Nouvelle-Aquitaine et l'État et animé par Cap Métiers. Il aide les professionnels de "
        "l'orientation, de la formation et de l'emploi dans leurs missions auprès de leurs "
        "publics.\n\nIl permet de renforcer ses compétences cœur de métier, d'outiller ses "
        "pratiques, de rencontrer d'autres professionnels, de partager une culture commune des "
        "priorités régionales et de coopérer sur les territoires.",
    ),
    (
        FaqEntry.Category.AUDIENCE,
        "Qui peut participer aux actions ?",
        "Les professionnels en activité en Nouvelle-Aquitaine dans l'éducation, l'orientation, la "
        "formation, l'insertion, l'accompagnement, l'emploi et la VAE : salariés des structures "
        "de ces domaines et indépendants qui y exercent.",
    ),
    (
        FaqEntry.Category.MEMBERSHIP,
        "Ma demande n'aboutit pas car ma structure n'est pas adhérente : que faire ?",
        "Les actions de formation (1 à 3 jours), les autoformations tutorées, les ateliers "
        "d'échanges de pratiques ou de co-développement et les modules découverte demandent que "
        "votre structure adhère à Cap Métiers pour l'année de la session.\n\nDeux formules "
        "annuelles : la cotisation de base à 100 €, ou la cotisation élargie à 150 € qui donne "
        "accès aux salles de réunion du site de Pessac.\n\nContact : adhesion@cap-metiers.pro.",
    ),
    (
        FaqEntry.Category.AUDIENCE,
        "Je suis demandeur d'emploi : puis-je participer ?",
        "Oui aux formats courts (webinaires, conférences, tables rondes, webateliers), ouverts "
        "à tout professionnel du secteur, en emploi ou en recherche d'emploi.\n\nLes autres "
        "actions demandent d'être en activité et inscrit par sa structure employeuse.",
    ),
    (
        FaqEntry.Category.AUDIENCE,
        "Puis-je m'inscrire à titre individuel, sur mon temps personnel ?",
        "Non. Les actions réservées aux adhérents s'adressent aux salariés des structures "
        "adhérentes, avec l'accord de leur employeur : elles ne sont pas accessibles à titre "
        "personnel.",
    ),
    (
        FaqEntry.Category.REGISTRATION,
        "Quelle est la première étape pour m'inscrire ?",
        "Créez votre compte individuel sur ParcoursPro et complétez votre profil. En cas de "
        "difficulté, l'équipe du programme vous aide à créer votre compte.",
    ),
    (
        FaqEntry.Category.REGISTRATION,
        "Mon panier reste vide : que faire ?",
        "L'inscription se fait en deux temps : « Ajouter au panier » sur la session choisie, "
        "puis « Valider mon panier » en remplissant tous les champs : vos coordonnées et, pour "
        "chaque action, vos motivations et attentes.",
    ),
    (
        FaqEntry.Category.REGISTRATION,
        "Comment ma demande parvient-elle à mon employeur ?",
        "Dès que vous validez votre panier, votre employeur reçoit automatiquement un courriel. "
        "Il accepte ou refuse votre demande depuis son Espace employeur.",
    ),
    (
        FaqEntry.Category.QUOTAS,
        "Plusieurs collègues peuvent-ils suivre la même session ?",
        "Pour ouvrir les actions au plus grand nombre et mélanger les profils, 2 salariés au plus "
        "d'une même structure peuvent être inscrits à une même session réservée aux adhérents. "
        "Les demandes suivantes vont en liste d'attente et pourront aboutir s'il reste des "
        "places.",
    ),
    (
        FaqEntry.Category.QUOTAS,
        "Puis-je m'inscrire à autant d'actions que je veux ?",
        "Vous pouvez suivre au plus 4 actions réservées aux adhérents par an, dont 3 actions de "
        "formation au maximum (par exemple 3 formations et 1 autoformation).\n\nLes formats "
        "courts (webinaires, conférences, webateliers…) sont illimités et sans adhésion ; on s'y "
        "inscrit aussi sur ParcoursPro.",
    ),
    (
        FaqEntry.Category.CANCELLATION,
        "Je ne suis plus disponible : qui prévenir ?",
        "Signalez votre désistement dans ParcoursPro, depuis « Mon espace », en indiquant le "
        "motif, le plus tôt possible.\n\nUn désistement moins de 10 jours avant l'action est "
        "décompté de vos 4 actions annuelles.",
    ),
    (
        FaqEntry.Category.REGISTRATION,
        "Combien de temps avant l'action faut-il s'inscrire ?",
        "Les places sont limitées : inscrivez-vous au moins trois semaines avant le début. Votre "
        "employeur doit valider votre demande, le prestataire la rendre effective au vu de vos "
        "motivations, puis vous envoyer convention et convocation.\n\nLes places sont attribuées "
        "dans l'ordre des demandes. Si l'action est complète, vous êtes prévenu par courriel de "
        "votre place en liste d'attente.\n\nPour les formats courts, aucun délai : seulement la "
        "limite des places.",
    ),
    (
        FaqEntry.Category.E_PARCOURSPRO,
        "Comment accéder à e-ParcoursPro pour une autoformation ?",
        "Les autoformations tutorées se suivent sur la plateforme e-ParcoursPro "
        "(https://e-parcourspro.cap-metiers.pro), avec les mêmes identifiants que sur "
        "ParcoursPro : sur la page de connexion d'e-ParcoursPro, cliquez sur le bouton "
        "« ParcoursPro (mêmes identifiants) ».\n\nL'inscription se fait d'abord sur "
        "ParcoursPro, comme pour toute action. Une fois votre demande confirmée, vous êtes "
        "inscrit·e sur e-ParcoursPro et recevez par courriel le tutoriel de connexion, qui est "
        f"aussi en ligne : {TUTORIAL_URL}",
    ),
    (
        FaqEntry.Category.FUNDING,
        "Puis-je utiliser mon CPF ?",
        "Non : les actions de ParcoursPro ne sont pas éligibles au CPF.",
    ),
]
