"""Checks that e-ParcoursPro (Moodle) is set up for the automatic enrolments."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from catalog.models import Action, ActionKind
from elearning.check import ERROR, check
from elearning.moodle import MoodleClient


class Command(BaseCommand):
    help = (
        "Vérifie auprès de Moodle, avec le jeton E_PARCOURSPRO_WS_TOKEN, ce dont l'inscription "
        "automatique a besoin : fonctions du service, capacités du compte de service, cours "
        "des actions. Ne modifie rien. Code de sortie 1 s'il manque quelque chose."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--course",
            type=int,
            action="append",
            default=[],
            help="Identifiant d'un cours Moodle à vérifier (par défaut : ceux des actions).",
        )

    def handle(self, *args, course, **options):
        course_ids = course or sorted(
            set(
                Action.objects.filter(
                    kind=ActionKind.TUTORED_SELF_TRAINING, e_parcourspro_course_id__isnull=False
                ).values_list("e_parcourspro_course_id", flat=True)
            )
        )
        self.stdout.write(f"e-ParcoursPro : {settings.E_PARCOURSPRO_URL}")
        findings = check(
            MoodleClient.from_settings(),
            course_ids=course_ids,
            token_set=bool(settings.E_PARCOURSPRO_WS_TOKEN),
            url=settings.E_PARCOURSPRO_URL,
        )
        for finding in findings:
            self.stdout.write(str(finding))
        errors = sum(finding.level == ERROR for finding in findings)
        if errors:
            raise CommandError(
                f"{errors} point(s) à corriger avant que l'inscription automatique fonctionne."
            )
        self.stdout.write("L'inscription automatique a ce qu'il lui faut côté Moodle.")
