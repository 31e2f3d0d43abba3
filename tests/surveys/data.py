"""A hand-made programme year whose every figure is known (tests/surveys/
test_pilotage_indicators.py writes them down): two sessions counted in 2027, a cancelled
one, one of 2026; registrations in every state, their history, questionnaires and answers.
Written directly (factories, no service): the figures are the database's, not the rules'."""

import datetime as dt
import zoneinfo

from catalog.models import ActionKind, Session
from common.choices import Department, EmploymentStatus, FieldOfActivity
from enrollment.models import Offer, RegistrationEvent, RegistrationStatus
from surveys.models import Survey, SurveyAnswer
from tests.factories import (
    ActionFactory,
    ProviderFactory,
    RegistrationFactory,
    SessionFactory,
    StructureFactory,
    ThemeFactory,
    UserFactory,
)

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
S = RegistrationStatus
T1_START = dt.datetime(2027, 3, 10, 9, 0, tzinfo=PARIS)
T2_START = dt.datetime(2027, 5, 20, 10, 0, tzinfo=PARIS)


def _session(kind, theme, provider, start, capacity, department, **extra):
    action = ActionFactory(kind=kind, theme=theme, provider=provider, duration_days=1)
    return SessionFactory(
        action=action,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=7),
        registration_deadline=start - dt.timedelta(days=7),
        capacity=capacity,
        department=department,
        **extra,
    )


def _person(name, structure, department, *, status=EmploymentStatus.EMPLOYEE, field=None):
    return UserFactory(
        email=f"{name}@example.test",
        first_name=name.capitalize(),
        structure=structure,
        department=department,
        employment_status=status,
        field_of_activity=field or FieldOfActivity.INTEGRATION,
    )


def _event(registration, from_status, to_status, at):
    event = RegistrationEvent.objects.create(
        registration=registration, from_status=from_status, to_status=to_status
    )
    RegistrationEvent.objects.filter(pk=event.pk).update(at=at)


def _offer(registration, status, made_at):
    """A late-release offer of a freed place, and what became of it."""
    return Offer.objects.create(
        registration=registration,
        session=registration.session,
        status=status,
        made_at=made_at,
        expires_at=made_at + dt.timedelta(hours=48),
        decided_at=made_at + dt.timedelta(hours=1),
    )


def _answer(registration, kind, scores=None, *, consent=False):
    survey = Survey.objects.create(
        kind=kind,
        session=registration.session,
        registration=registration,
        respondent=registration.user,
        token=f"{kind}-{registration.pk}-{'x' * 30}",
        sent_at=registration.session.ends_at,
        closes_at=registration.session.ends_at + dt.timedelta(days=30),
    )
    if scores is not None:
        SurveyAnswer.objects.create(
            survey=survey,
            answered_by=registration.user,
            answered_at=survey.sent_at,
            consent_named=consent,
            comment="Très utile.",
            **scores,
        )
        Survey.objects.filter(pk=survey.pk).update(answered_at=survey.sent_at)
    return survey


def hot(o, c, t, g):
    return {"objectives": o, "content": c, "trainer": t, "organisation": g}


def programme_2027():
    insertion = ThemeFactory(name="Insertion", slug="insertion")
    guidance = ThemeFactory(name="Orientation", slug="orientation")
    p1 = ProviderFactory(name="Alpha Formation")
    p2 = ProviderFactory(name="Bêta Conseil")
    s1 = StructureFactory(name="Mission locale A", department=Department.GIRONDE)
    s2 = StructureFactory(name="Association B", department=Department.GIRONDE)
    s3 = StructureFactory(name="Organisme C", department=Department.PYRENEES_ATLANTIQUES)
    s4 = StructureFactory(name="Structure D", department=Department.CREUSE)

    t1 = _session(ActionKind.TRAINING, insertion, p1, T1_START, 10, Department.GIRONDE)
    t2 = _session(ActionKind.WEBINAR, guidance, p2, T2_START, 100, "", format="remote")
    t3 = _session(
        ActionKind.PRACTICE_WORKSHOP,
        insertion,
        p1,
        dt.datetime(2027, 9, 15, 9, 0, tzinfo=PARIS),
        8,
        Department.PYRENEES_ATLANTIQUES,
        status=Session.Status.CANCELLED,
    )
    t4 = _session(
        ActionKind.TRAINING, insertion, p1, dt.datetime(2026, 6, 1, 9, 0, tzinfo=PARIS), 12, "33"
    )

    def reg(session, person, status, **extra):
        return RegistrationFactory(session=session, user=person, status=status, **extra)

    # T1, a training in Gironde: three colleagues of A and one of B take part (a poor mix).
    u1 = reg(t1, _person("u1", s1, "33"), S.ATTENDED)
    u2 = reg(t1, _person("u2", s1, "33"), S.ATTENDED)
    reg(t1, _person("u3", s1, "33"), S.CONFIRMED)
    u5 = reg(t1, _person("u5", s2, "33", field=FieldOfActivity.GUIDANCE), S.ATTENDED)
    reg(t1, _person("u6", s3, "64"), S.ABSENT)
    u7 = reg(t1, _person("u7", s3, "64"), S.CANCELLED, counted_in_quota=True)
    u8 = reg(t1, _person("u8", s4, "23"), S.WAITLISTED)
    u9 = reg(t1, _person("u9", s4, "23"), S.LAPSED)
    _event(u8, "", S.WAITLISTED, T1_START - dt.timedelta(days=20))
    _event(u9, "", S.WAITLISTED, T1_START - dt.timedelta(days=20))
    _event(u9, S.WAITLISTED, S.LAPSED, T1_START - dt.timedelta(days=7))
    _event(u7, S.CONFIRMED, S.CANCELLED, T1_START - dt.timedelta(days=5))
    # u7's place, freed 5 days before, was offered to u9, who did not answer.
    _offer(u9, Offer.Status.EXPIRED, T1_START - dt.timedelta(days=5))

    # T2, a remote webinar: seven participants from five departments and four structures.
    seeker = EmploymentStatus.JOB_SEEKER
    p = [
        reg(t2, _person("p1", None, "64", status=seeker), S.CONFIRMED),
        reg(t2, _person("p2", s1, "33"), S.CONFIRMED),
        reg(t2, _person("p3", s3, "64"), S.CONFIRMED),
        reg(t2, _person("p4", s4, "23"), S.CONFIRMED),
        reg(t2, _person("p5", s2, "33"), S.CONFIRMED),
        reg(t2, _person("p6", None, "87", status=seeker), S.CONFIRMED),
    ]
    w1 = reg(t2, _person("w1", s3, "16"), S.CONFIRMED)
    c1 = reg(t2, _person("c1", s4, "23"), S.CANCELLED)
    c2 = reg(t2, _person("c2", s4, "23"), S.CANCELLED)
    c4 = reg(t2, _person("c4", s4, "23"), S.CANCELLED)
    _event(w1, "", S.WAITLISTED, T2_START - dt.timedelta(days=10))
    _event(w1, S.WAITLISTED, S.CONFIRMED, T2_START - dt.timedelta(days=2))
    _event(c1, S.CONFIRMED, S.CANCELLED, T2_START - dt.timedelta(days=3))
    _event(c2, S.CONFIRMED, S.CANCELLED, T2_START - dt.timedelta(days=7))  # on the boundary
    _event(c4, S.CONFIRMED, S.CANCELLED, T2_START - dt.timedelta(days=7, minutes=1))
    # c1 had declined a place offered before accepting one; w1 accepted the place c1 freed.
    _offer(c1, Offer.Status.DECLINED, T2_START - dt.timedelta(days=4))
    _offer(w1, Offer.Status.ACCEPTED, T2_START - dt.timedelta(days=3))

    # T3 (cancelled) and T4 (2026) hold requests and answers counted nowhere in 2027.
    reg(t3, _person("x1", s1, "33"), S.CANCELLED)
    reg(t3, _person("x2", s2, "33"), S.CANCELLED)
    old = reg(t4, _person("y1", s1, "33"), S.ATTENDED)
    reg(t4, _person("y2", s1, "33"), S.ABSENT)
    _answer(old, "hot", hot(1, 1, 1, 1))

    # Questionnaires: T1 three « à chaud » (two answers), two « à froid », one employer's.
    _answer(u1, "hot", hot(5, 4, 5, 4), consent=True)
    _answer(u2, "hot", hot(3, 4, 4, 2))
    _answer(u5, "hot")
    _answer(u1, "cold", {"impact": 4})
    _answer(u2, "cold", {"impact": 5})
    employer = Survey.objects.create(
        kind="employer",
        session=t1,
        structure=s1,
        token="employer-t1-" + "x" * 30,
        sent_at=t1.ends_at,
        closes_at=t1.ends_at + dt.timedelta(days=30),
    )
    SurveyAnswer.objects.create(survey=employer, impact=4, answered_at=t1.ends_at)
    # T2: six « à chaud », four answers.
    for registration, scores in zip(
        p,
        [hot(5, 5, 5, 5), hot(4, 4, 4, 4), hot(3, 3, 3, 3), hot(4, 5, 4, 5), None, None],
        strict=True,
    ):
        _answer(registration, "hot", scores)
    return {"t1": t1, "t2": t2, "t3": t3, "t4": t4, "themes": (insertion, guidance)}
