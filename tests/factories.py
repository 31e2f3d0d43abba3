"""factory_boy factories for every model; tests build exactly the data they need."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import User
from catalog.models import Action, ActionKind, FaqEntry, Provider, Session, Theme
from common.choices import Department, EmploymentStatus, FieldOfActivity
from employers.models import Membership, Structure
from employers.validators import complete_siret

DEMO_PASSWORD = "parcourspro-demo"


class StructureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Structure

    name = factory.Sequence(lambda n: f"Structure {n}")
    siret = factory.Sequence(lambda n: complete_siret(f"{n + 1000}"))
    department = Department.GIRONDE
    kind = Structure.Kind.ASSOCIATION
    address = "1 rue de la Paix"
    postal_code = "33000"
    city = "Bordeaux"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    structure = factory.SubFactory(StructureFactory)
    year = factory.LazyFunction(lambda: timezone.localdate().year)
    formula = Membership.Formula.BASE
    paid_on = factory.LazyFunction(timezone.localdate)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"pro{n}@example.test")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    phone = "05 56 00 00 00"
    job_title = "Conseiller·ère en insertion"
    employment_status = EmploymentStatus.EMPLOYEE
    field_of_activity = FieldOfActivity.INTEGRATION
    department = Department.GIRONDE
    structure = factory.SubFactory(StructureFactory)
    password = factory.django.Password(DEMO_PASSWORD)


class MemberEmployeeFactory(UserFactory):
    """An employee whose structure is a member this year and next."""

    @factory.post_generation
    def membership(self, create, extracted, **kwargs):
        if create and self.structure_id:
            year = timezone.localdate().year
            for y in (year, year + 1):
                Membership.objects.get_or_create(
                    structure=self.structure, year=y, defaults={"formula": "base"}
                )


class JobSeekerFactory(UserFactory):
    employment_status = EmploymentStatus.JOB_SEEKER
    structure = None


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Thématique {n}")
    slug = factory.Sequence(lambda n: f"thematique-{n}")


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider

    name = factory.Sequence(lambda n: f"Prestataire {n}")
    email = factory.Sequence(lambda n: f"contact{n}@prestataire.test")


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action

    title = factory.Sequence(lambda n: f"Action {n}")
    slug = factory.Sequence(lambda n: f"action-{n}")
    kind = ActionKind.TRAINING
    summary = "Une action pour les professionnels de l'accompagnement."
    objectives = "Renforcer ses compétences."
    audience = "Professionnels de l'insertion."
    duration_days = Decimal("2")
    theme = factory.SubFactory(ThemeFactory)
    provider = factory.SubFactory(ProviderFactory)


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    action = factory.SubFactory(ActionFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=40))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=7))
    registration_deadline = factory.LazyAttribute(lambda o: o.starts_at - dt.timedelta(days=2))
    capacity = 12
    format = Session.Format.ON_SITE
    location = "Cap Métiers, Pessac"
    department = Department.GIRONDE


class FaqEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FaqEntry

    question = factory.Sequence(lambda n: f"Question {n} ?")
    answer = "Réponse."
    category = FaqEntry.Category.PROGRAMME
    order = factory.Sequence(int)
