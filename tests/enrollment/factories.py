import factory
from django.utils import timezone

from enrollment.models import Registration, RegistrationStatus
from tests.factories import SessionFactory, UserFactory


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
