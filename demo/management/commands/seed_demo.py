"""`python manage.py seed_demo`: a realistic demo, as DESIGN.md describes it.

Idempotent: every row is found by a natural key (email, SIRET, slug, name, FAQ order) before
being created, an action's sessions are created only while it has none, and the "nearly full"
sessions are topped up only to their target. Dates are relative to today so the demo stays
fresh. Demo accounts share the password `parcourspro-demo` and have verified emails.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from catalog.models import Action, ActionKind, FaqEntry, Provider, Session, Theme
from common.choices import Department, EmploymentStatus, FieldOfActivity
from employers.models import Membership, Structure
from employers.validators import complete_siret

DEMO_PASSWORD = "parcourspro-demo"
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

# (name, kind, department, city, postal code, member, contact person's email or "")
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
        "Il accepte ou refuse votre demande depuis son Espace Employeur.",
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
        "ParcoursPro ; un tutoriel de connexion vous est envoyé.\n\nL'inscription se fait "
        "d'abord sur ParcoursPro, comme pour toute action.",
    ),
    (
        FaqEntry.Category.FUNDING,
        "Puis-je utiliser mon CPF ?",
        "Non : les actions de ParcoursPro ne sont pas éligibles au CPF.",
    ),
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


def siret_for(index: int) -> str:
    """A deterministic valid SIRET (Luhn) for the demo's `index`-th structure."""
    return complete_siret(f"8{index:012d}")


def _days_label(days: Decimal) -> str:
    if days == int(days):
        return f"{int(days)} jour{'s' if days >= 2 else ''}"
    return f"{str(days).replace('.', ',')} jour"


class Command(BaseCommand):
    help = "Remplit la base avec une démonstration réaliste (idempotent)."

    def handle(self, *args, **options):
        self.now = timezone.now()
        self.year = timezone.localdate().year
        with transaction.atomic():
            structures = self.seed_structures()
            self.structures = structures
            self.seed_accounts(structures)
            themes = self.seed_themes()
            providers = self.seed_providers()
            actions = self.seed_actions(themes, providers)
            self.seed_faq()
        self.structures, self.providers = structures, providers
        filled = self.fill_nearly_full_sessions(actions)
        filled += self.seed_requests_in_progress(structures, providers)
        self.stdout.write(
            self.style.SUCCESS(
                f"Démo prête : {Action.objects.count()} actions, {Session.objects.count()} "
                f"sessions, {Structure.objects.count()} structures, {filled} inscriptions "
                f"ajoutées. Mot de passe des comptes : {DEMO_PASSWORD}"
            )
        )

    # --- accounts and structures ---------------------------------------------------------------

    def user(self, email: str, **fields) -> User:
        user, created = User.objects.get_or_create(email=email, defaults=fields)
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user

    def seed_structures(self) -> list[Structure]:
        structures = []
        for index, (name, kind, department, city, postal_code, member) in enumerate(STRUCTURES):
            structure, _ = Structure.objects.get_or_create(
                siret=siret_for(index + 1),
                defaults={
                    "name": name,
                    "kind": kind,
                    "department": department,
                    "city": city,
                    "postal_code": postal_code,
                    "address": f"{index + 3} rue de la République",
                },
            )
            if member:
                self.membership(structure, index)
            structures.append(structure)
        return structures

    def membership(self, structure: Structure, index: int) -> None:
        formula = Membership.Formula.EXTENDED if index % 2 else Membership.Formula.BASE
        for year in (self.year, self.year + 1):
            Membership.objects.get_or_create(
                structure=structure,
                year=year,
                defaults={
                    "formula": formula,
                    "paid_on": dt.date(year, 1, 15) if year == self.year else None,
                },
            )

    def seed_accounts(self, structures: list[Structure]) -> None:
        member, non_member = structures[0], structures[5]
        common = {"field_of_activity": FieldOfActivity.INTEGRATION, "phone": "05 56 00 00 00"}
        self.user(
            "admin@parcourspro.test",
            first_name="Camille",
            last_name="Admin",
            is_staff=True,
            is_superuser=True,
        )
        employer = self.user(
            "employeur@parcourspro.test",
            first_name="Nadia",
            last_name="Benali",
            job_title="Directrice",
            employment_status=EmploymentStatus.EMPLOYEE,
            department="33",
            structure=member,
            **common,
        )
        member.approvers.add(employer)
        for number, (first, last) in enumerate(
            [("Julie", "Martin"), ("Thomas", "Dubois"), ("Inès", "Moreau")], start=1
        ):
            self.user(
                f"salarie{number}@parcourspro.test",
                first_name=first,
                last_name=last,
                job_title="Conseiller·ère en insertion professionnelle",
                employment_status=EmploymentStatus.EMPLOYEE,
                department="33",
                structure=member,
                **common,
            )
        solo, _ = Structure.objects.get_or_create(
            siret=siret_for(99),
            defaults={
                "name": "Élise Garnier — conseil en évolution professionnelle",
                "kind": Structure.Kind.INDEPENDENT,
                "department": "24",
                "city": "Périgueux",
                "postal_code": "24000",
            },
        )
        self.membership(solo, 0)
        independent = self.user(
            "independant@parcourspro.test",
            first_name="Élise",
            last_name="Garnier",
            job_title="Consultante en bilan de compétences",
            employment_status=EmploymentStatus.INDEPENDENT,
            field_of_activity=FieldOfActivity.GUIDANCE,
            department="24",
            phone="05 53 00 00 00",
            structure=solo,
        )
        solo.approvers.add(independent)
        self.user(
            "demandeur@parcourspro.test",
            first_name="Karim",
            last_name="Haddad",
            job_title="Formateur (en recherche d'emploi)",
            employment_status=EmploymentStatus.JOB_SEEKER,
            department="47",
            **common,
        )
        self.user(
            "horsadherent@parcourspro.test",
            first_name="Sophie",
            last_name="Lefèvre",
            job_title="Chargée d'accompagnement",
            employment_status=EmploymentStatus.EMPLOYEE,
            department="86",
            structure=non_member,
            **common,
        )

    # --- catalogue ----------------------------------------------------------------------------

    def seed_themes(self) -> list[Theme]:
        return [
            Theme.objects.get_or_create(slug=slugify(name), defaults={"name": name})[0]
            for name in THEMES
        ]

    def seed_providers(self) -> list[Provider]:
        providers = [
            Provider.objects.get_or_create(
                name=name, defaults={"email": email, "phone": "05 57 00 00 00"}
            )[0]
            for name, email in PROVIDERS
        ]
        provider_user = self.user(
            "prestataire@parcourspro.test",
            first_name="Marc",
            last_name="Rivière",
            job_title="Responsable pédagogique",
        )
        providers[1].users.add(provider_user)
        return providers

    def seed_actions(self, themes, providers) -> list[tuple[Action, bool]]:
        actions = []
        for index, (title, kind, theme, provider, days, nearly_full) in enumerate(ACTIONS):
            duration = Decimal(days)
            summary = SUMMARIES.get(kind, SHORT_SUMMARY).format(
                title=title, days=_days_label(duration)
            )
            action, _ = Action.objects.get_or_create(
                slug=slugify(title)[:220],
                defaults={
                    "title": title,
                    "kind": kind,
                    "summary": summary,
                    "objectives": (
                        "À l'issue de l'action, les participants seront capables de :\n"
                        "- situer les enjeux et le cadre de « " + title + " » ;\n"
                        "- mobiliser des outils concrets dans leur pratique ;\n"
                        "- échanger avec d'autres professionnels du territoire."
                    ),
                    "audience": "Professionnels de l'orientation, de la formation, de "
                    "l'insertion et de l'emploi en Nouvelle-Aquitaine.",
                    "prerequisites": "" if index % 3 else "Exercer une mission d'accompagnement.",
                    "programme": "Matin : apports et repères.\n\nAprès-midi : mises en "
                    "situation, analyse de cas, plan d'action individuel.",
                    "duration_days": duration,
                    "theme": themes[theme],
                    "provider": providers[provider],
                },
            )
            if not action.sessions.exists():
                self.create_sessions(action, index, nearly_full)
            actions.append((action, nearly_full))
        return actions

    def create_sessions(self, action: Action, index: int, nearly_full: bool) -> None:
        """Two or three sessions over the coming 9 months (one past for some actions)."""
        rng = random.Random(action.slug)
        count = 3 if index % 4 == 0 else 2
        offsets = sorted(rng.sample(range(12, 270), count))
        if index % 6 == 1:
            offsets[0] = -rng.randint(10, 60)  # a past session
        if index % 9 == 2:
            offsets[0] = 4  # registration already closed, not started yet
        if index % 7 == 3:
            offsets[0] = 16  # open, but less than 3 weeks ahead
        if nearly_full:
            offsets[0] = rng.randint(20, 45)
        member_only = action.is_member_only
        for number, offset in enumerate(offsets):
            days = max(1, int(action.duration_days))
            day = timezone.localdate() + dt.timedelta(days=offset)
            if day.weekday() + days > 5:  # sessions run on working days, Monday to Friday
                day += dt.timedelta(days=7 - day.weekday())
            hour = 9 if member_only or number % 2 else 14
            starts_at = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))
            if action.duration_days < 1:
                ends_at = starts_at + dt.timedelta(hours=3, minutes=30)
            else:
                ends_at = starts_at + dt.timedelta(days=days - 1, hours=8)
            remote = action.kind in {K.TUTORED_SELF_TRAINING, K.WEBINAR, K.WEB_WORKSHOP} or (
                action.kind == K.DISCOVERY_MODULE and number % 2 == 1
            )
            department = "" if remote else DEPARTMENTS[(index * 5 + number * 7) % 12]
            if member_only:
                deadline = starts_at - dt.timedelta(days=7)
                capacity = rng.choice([10, 12, 14, 16])
            else:
                deadline = starts_at - dt.timedelta(hours=2)
                capacity = rng.choice([30, 40, 60, 80]) if remote else rng.choice([40, 60])
            if nearly_full and number == 0:
                capacity = 6
            Session.objects.create(
                action=action,
                starts_at=starts_at,
                ends_at=ends_at,
                format=Session.Format.REMOTE if remote else Session.Format.ON_SITE,
                location="" if remote else f"Salle {rng.randint(1, 8)}, {self.city(department)}",
                remote_url="https://e-parcourspro.cap-metiers.pro/"
                if action.kind == K.TUTORED_SELF_TRAINING
                else ("https://visio.cap-metiers.test/" + action.slug if remote else ""),
                department=department,
                capacity=capacity,
                registration_deadline=deadline,
            )

    @staticmethod
    def city(department: str) -> str:
        return {
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
        }.get(department, "Pessac")

    def seed_faq(self) -> None:
        for order, (category, question, answer) in enumerate(FAQ, start=1):
            FaqEntry.objects.get_or_create(
                order=order * 10,
                category=category,
                defaults={"question": question, "answer": answer},
            )

    # --- registrations ------------------------------------------------------------------------

    def fill_nearly_full_sessions(self, actions) -> int:
        """Short-format sessions of small capacity filled up to one place left (the first
        one full, with a waitlisted request), through the enrollment services."""
        try:
            from enrollment.services import add_to_cart, submit_cart
        except ImportError:  # services not there yet: the rest of the demo still works
            self.stderr.write("enrollment.services indisponible : sessions non remplies.")
            return 0
        pros = [
            self.user(
                f"pro{number:02d}@demo.parcourspro.test",
                first_name="Pro",
                last_name=f"Démo {number:02d}",
                job_title="Conseiller·ère emploi",
                employment_status=EmploymentStatus.JOB_SEEKER
                if number % 4 == 0
                else EmploymentStatus.INDEPENDENT,
                field_of_activity=FieldOfActivity.EMPLOYMENT,
                department=DEPARTMENTS[number % 12],
                phone="06 00 00 00 00",
            )
            for number in range(1, 9)
        ]
        created = 0
        nearly_full_actions = [action for action, nearly_full in actions if nearly_full]
        for position, action in enumerate(nearly_full_actions):
            session = (
                action.sessions.filter(starts_at__gt=self.now, registration_deadline__gt=self.now)
                .order_by("starts_at")
                .first()
            )
            if session is None:
                continue
            target = session.capacity + 1 if position == 0 else session.capacity - 1
            registered = set(session.registrations.values_list("user_id", flat=True))
            for pro in pros:
                if len(registered) >= target:
                    break
                if pro.pk in registered:
                    continue
                add_to_cart(pro, session)
                submit_cart(
                    pro,
                    contact={
                        "first_name": pro.first_name,
                        "last_name": pro.last_name,
                        "email": pro.email,
                        "phone": pro.phone,
                        "job_title": pro.job_title,
                    },
                    motivations={session.pk: "Mieux accompagner les publics de ma structure."},
                )
                registered.add(pro.pk)
                created += 1
        return created

    def seed_requests_in_progress(self, structures, providers) -> int:
        """Requests at each step, so that every space has something to show: two awaiting the
        demo provider (approved by their employer), one awaiting employeur@, and a past
        session of the demo provider with its participants (attendance to take)."""
        from enrollment import services
        from enrollment.models import Registration, RegistrationEvent, RegistrationStatus

        provider = providers[1]
        member, other_member = structures[0], structures[1]
        approver = self.user(
            "valideur.tremplin@demo.parcourspro.test",
            first_name="Luc",
            last_name="Fontaine",
            job_title="Directeur",
            employment_status=EmploymentStatus.EMPLOYEE,
            field_of_activity=FieldOfActivity.INTEGRATION,
            department=other_member.department,
            structure=other_member,
        )
        other_member.approvers.add(approver)
        agents = [
            self.user(
                f"agent{number}@demo.parcourspro.test",
                first_name="Agent",
                last_name=f"Démo {number}",
                job_title="Accompagnateur·rice socio-professionnel·le",
                employment_status=EmploymentStatus.EMPLOYEE,
                field_of_activity=FieldOfActivity.INTEGRATION,
                department=other_member.department,
                phone="05 45 00 00 00",
                structure=other_member,
            )
            for number in (1, 2)
        ]
        colleague = self.user(
            "collegue@demo.parcourspro.test",
            first_name="Paul",
            last_name="Collègue",
            job_title="Conseiller en insertion professionnelle",
            employment_status=EmploymentStatus.EMPLOYEE,
            field_of_activity=FieldOfActivity.INTEGRATION,
            department=member.department,
            phone="05 56 00 00 01",
            structure=member,
        )
        open_sessions = list(
            Session.objects.open_for_registration(self.now)
            .filter(action__provider=provider, action__kind__in=["training", "practice_workshop"])
            .filter(capacity__gte=4)
            .order_by("starts_at")[:2]
        )
        created = 0

        def request(user, session):
            if session.registrations.filter(user=user).exists():
                return None
            services.add_to_cart(user, session)
            [registration] = services.submit_cart(
                user,
                contact={
                    "first_name": user.first_name,
                    "last_name": user.last_name,
                    "email": user.email,
                    "phone": user.phone,
                    "job_title": user.job_title,
                },
                motivations={
                    session.pk: "Je veux renforcer mes pratiques d'accompagnement et partager "
                    "des outils avec d'autres professionnels."
                },
            )
            return registration

        if open_sessions:
            for agent in agents:
                registration = request(agent, open_sessions[0])
                if registration is not None:
                    services.approve(registration, by=approver)
                    created += 1
        if len(open_sessions) > 1 and request(colleague, open_sessions[1]) is not None:
            created += 1

        past = (
            Session.objects.filter(action__provider=provider, ends_at__lt=self.now)
            .order_by("-starts_at")
            .first()
        )
        if past is not None:
            # History of a session already held: written as an import, since the services
            # only take requests for sessions to come.
            for agent in agents:
                registration, was_created = Registration.objects.get_or_create(
                    user=agent,
                    session=past,
                    defaults={
                        "structure": other_member,
                        "status": RegistrationStatus.CONFIRMED,
                        "submitted_at": past.starts_at - dt.timedelta(days=30),
                        "first_name": agent.first_name,
                        "last_name": agent.last_name,
                        "email": agent.email,
                        "phone": agent.phone,
                        "job_title": agent.job_title,
                        "motivations": "Découvrir de nouveaux outils d'accompagnement.",
                        "employer_approved_at": past.starts_at - dt.timedelta(days=25),
                        "employer_approved_by": approver,
                        "provider_decided_at": past.starts_at - dt.timedelta(days=20),
                    },
                )
                if was_created:
                    RegistrationEvent.objects.create(
                        registration=registration,
                        to_status=RegistrationStatus.CONFIRMED,
                        reason="Historique importé pour la démonstration",
                    )
                    created += 1
        return created
