"""The builders of the tests: factory_boy factories for every model, and the few functions
that build a situation (a member structure with its approver, a session of a kind, a
registration made through the services or written directly). Tests build exactly the data
they need from here; conftest.py files hold fixtures only."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.email_addresses import ensure_primary_address
from accounts.models import User
from catalog.models import Action, ActionKind, FaqEntry, Provider, Session, Theme
from common.choices import Department, EmploymentStatus, FieldOfActivity
from documents.models import ConventionAcceptance, Document
from employers.models import Membership, Structure
from employers.validators import complete_siret
from enrollment import services
from enrollment.models import Registration, RegistrationStatus

DEMO_PASSWORD = "parcourspro-demo"
PARIS = zoneinfo.ZoneInfo("Europe/Paris")


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

    @factory.post_generation
    def email_address(self, create, extracted, **kwargs):
        """The verified primary EmailAddress every account has (accounts.email_addresses);
        `email_address=False` leaves none, as for an account from before it existed."""
        if create and extracted is not False:
            ensure_primary_address(self, verified=True)


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
    legal_name = factory.LazyAttribute(lambda o: f"{o.name} SAS")
    siret = factory.Sequence(lambda n: complete_siret(f"5{n:08d}0001"))
    nda = factory.Sequence(lambda n: f"75{n % 10**9:09d}")
    street = "10 rue des Écoles"
    postal_code = "33000"
    city = "Bordeaux"
    signatory_name = "Camille Martin"
    signatory_role = "Directrice"
    pedagogical_referent_name = "Paul Durand"
    pedagogical_referent_email = factory.LazyAttribute(lambda o: f"pedagogie.{o.email}")
    pedagogical_referent_phone = "05 56 00 00 01"
    administrative_referent_name = "Julie Leroy"
    administrative_referent_email = factory.LazyAttribute(lambda o: f"admin.{o.email}")
    administrative_referent_phone = "05 56 00 00 02"
    disability_referent_name = "Nora Benali"
    disability_referent_email = factory.LazyAttribute(lambda o: f"handicap.{o.email}")
    disability_referent_phone = "05 56 00 00 03"


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


class RegistrationFactory(factory.django.DjangoModelFactory):
    """A registration written directly, for setting up history (quota use, places held)."""

    class Meta:
        model = Registration

    user = factory.SubFactory(UserFactory)
    session = factory.SubFactory(SessionFactory)
    structure = factory.LazyAttribute(lambda o: o.user.structure)
    status = RegistrationStatus.CONFIRMED
    submitted_at = factory.LazyFunction(timezone.now)
    first_name = factory.LazyAttribute(lambda o: o.user.first_name)
    last_name = factory.LazyAttribute(lambda o: o.user.last_name)
    email = factory.LazyAttribute(lambda o: o.user.email)
    phone = "05 56 00 00 00"
    job_title = "Conseillère"
    motivations = "Approfondir ma pratique."
    waitlist_reason = factory.LazyAttribute(
        lambda o: "full" if o.status == RegistrationStatus.WAITLISTED else ""
    )


# Structures and people


def member_structure_with_approver(email):
    structure = StructureFactory()
    approver = UserFactory(structure=structure, email=email, first_name="Claire")
    structure.approvers.add(approver)
    year = timezone.localdate().year
    for y in (year, year + 1):
        structure.memberships.create(year=y, formula="base")
    structure.approver = approver
    return structure


def provider_user_of(session, **kwargs):
    """A user of the session's provider."""
    user = UserFactory(structure=None, **kwargs)
    session.action.provider.users.add(user)
    return user


# Sessions and dates


def session_of(kind=ActionKind.TRAINING, *, days=40, capacity=12, starts_at=None, **kwargs):
    starts_at = starts_at or timezone.now() + dt.timedelta(days=days)
    duration = 2 if kind == ActionKind.TRAINING else 1
    return SessionFactory(
        action=ActionFactory(kind=kind, duration_days=duration),
        starts_at=starts_at,
        capacity=capacity,
        **kwargs,
    )


def tutored_session(*, course_id=42, days=40, **kwargs):
    """A session of a tutored self-training whose course on e-ParcoursPro is `course_id`
    (Q13); None for an action without a course."""
    session = session_of(ActionKind.TUTORED_SELF_TRAINING, days=days, **kwargs)
    session.action.e_parcourspro_course_id = course_id
    session.action.save(update_fields=["e_parcourspro_course_id"])
    return session


def next_year_start(month=3, day=15):
    return dt.datetime(timezone.localdate().year + 1, month, day, 9, 0, tzinfo=PARIS)


# Registrations: through the services, as the pages make them, or written directly


def contact_of(user):
    return {
        "first_name": user.first_name or "Camille",
        "last_name": user.last_name or "Martin",
        "email": user.email,
        "phone": user.phone or "05 56 00 00 00",
        "job_title": user.job_title or "Conseillère",
    }


def register(user, *sessions, motivations="Je souhaite approfondir ma pratique."):
    """Add sessions to the cart and validate it, as the pages do."""
    for session in sessions:
        services.add_to_cart(user, session)
    return services.submit_cart(
        user,
        contact=contact_of(user),
        motivations={session.pk: motivations for session in sessions},
    )


def awaiting_provider(session, user=None, *, motivations="Je veux mieux accompagner les jeunes."):
    """A member-only request accepted by the employer: it waits for the provider (R10)."""
    user = user or MemberEmployeeFactory()
    [registration] = register(user, session, motivations=motivations)
    approver = UserFactory(structure=user.structure)
    user.structure.approvers.add(approver)
    return services.approve(registration, by=approver)


def confirmed(session, user=None):
    registration = awaiting_provider(session, user)
    return services.confirm(registration, by=UserFactory(is_staff=True))


def registration_in(session, status=RegistrationStatus.CONFIRMED, user=None):
    """A registration of `user` (a new one by default) for `session` in `status`, written
    directly (no rule checked, no email)."""
    if user is None:
        return RegistrationFactory(session=session, status=status)
    return RegistrationFactory(session=session, status=status, user=user)


SIGNUP_PASSWORD = "Un-mot-de-passe-solide-2024"


def signup_data(**overrides):
    """What the signup form posts, for Camille Martin, employee, with `overrides`."""
    data = {
        "email": "camille.martin@example.test",
        "password1": SIGNUP_PASSWORD,
        "password2": SIGNUP_PASSWORD,
        "first_name": "Camille",
        "last_name": "Martin",
        "phone": "05 56 12 34 56",
        "job_title": "Conseillère en insertion",
        "employment_status": EmploymentStatus.EMPLOYEE,
        "field_of_activity": "integration",
        "department": "33",
        "structure_query": "",
        "new_structure_name": "",
        "new_structure_siret": "",
        "new_structure_department": "",
    }
    data.update(overrides)
    return data


# Participation documents


def with_programme(session, **fields):
    """Give the session's action the content a convention shows (programme, prerequisites)."""
    action = session.action
    action.programme = fields.pop("programme", "Jour 1 : les fondamentaux. Jour 2 : cas pratiques.")
    action.prerequisites = fields.pop("prerequisites", "Exercer dans l'accompagnement.")
    for name, value in fields.items():
        setattr(action, name, value)
    action.save()
    return session


def attend(registration, by, *, present, now):
    """Record the half-days `present` ((date, "am"/"pm") pairs) of a participant at `now`."""
    return services.record_half_days(registration, by=by, present=set(present), now=now)


class DocumentFactory(factory.django.DjangoModelFactory):
    """A stored document without rendering (for permissions and lists): a tiny fake PDF."""

    class Meta:
        model = Document

    kind = Document.Kind.CONVENTION
    session = factory.SubFactory(SessionFactory)
    version = 1
    file = factory.django.FileField(filename="document.pdf", data=b"%PDF-1.7 test")
    sha256 = factory.Sequence(lambda n: f"{n:064x}")


def accepted(document, by):
    """The convention `document` accepted by `by`, with a signed copy (no rendering)."""
    return ConventionAcceptance.objects.create(
        document=document,
        accepted_by=by,
        accepted_by_name=by.get_full_name() or by.email,
        accepted_at=timezone.now(),
        ip="127.0.0.1",
        accepted_sha256=document.sha256,
        signed_file=ContentFile(b"%PDF-1.7 ok", name="acceptee.pdf"),
    )
