"""The questionnaires' and the mix's rules, as tables (no database)."""

import datetime as dt
import zoneinfo

import pytest

from enrollment.rules import RuleViolation
from surveys import rules

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("member_only", "status", "attendance_taken", "asked"),
    [
        (True, "attended", True, True),
        (True, "absent", True, False),
        (True, "confirmed", False, False),  # a training's attendance is awaited
        (True, "confirmed", True, False),
        (False, "attended", True, True),
        (False, "confirmed", False, True),  # a webinar without attendance: confirmed ones
        (False, "confirmed", True, False),  # … unless the provider took it
        (False, "absent", True, False),
        (False, "cancelled", False, False),
        (False, "waitlisted", False, False),
    ],
)
def test_who_is_asked_a_chaud(member_only, status, attendance_taken, asked):
    assert (
        rules.asked_hot(member_only=member_only, status=status, attendance_taken=attendance_taken)
        is asked
    )


@pytest.mark.parametrize(
    ("member_only", "status", "asked"),
    [(True, "attended", True), (True, "absent", False), (False, "attended", False)],
)
def test_who_is_asked_a_froid(member_only, status, asked):
    assert rules.asked_cold(member_only=member_only, status=status) is asked


def test_days_are_counted_on_the_paris_wall_clock_across_daylight_saving():
    winter = dt.datetime(2027, 1, 15, 17, 0, tzinfo=PARIS)
    assert rules.days_after(winter, 90) == dt.datetime(2027, 4, 15, 17, 0, tzinfo=PARIS)
    assert rules.days_after(winter, 90) == dt.datetime(2027, 4, 15, 15, 0, tzinfo=dt.UTC)
    summer = dt.datetime(2027, 9, 1, 17, 0, tzinfo=PARIS)
    assert rules.days_after(summer, 90) == dt.datetime(2027, 11, 30, 16, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (dt.datetime(2027, 3, 26, 16, 59, tzinfo=PARIS), False),
        (dt.datetime(2027, 3, 26, 17, 0, tzinfo=PARIS), True),
        # Two weeks later on the wall clock, across the change to summer time (28 March).
        (dt.datetime(2027, 4, 9, 16, 59, tzinfo=PARIS), True),
        (dt.datetime(2027, 4, 9, 17, 0, tzinfo=PARIS), False),
    ],
)
def test_a_chaud_is_due_from_the_end_for_two_weeks(now, due):
    ends = dt.datetime(2027, 3, 26, 17, 0, tzinfo=PARIS)
    assert rules.hot_survey_due(ends_at=ends, now=now) is due


@pytest.mark.parametrize(
    ("approvers", "participants", "asked"),
    [
        ({1, 2}, {3}, [1, 2]),
        ({1, 2}, {1, 3}, [2]),
        ({1}, {1}, []),  # an independent answers as a participant
        (set(), {3}, []),
    ],
)
def test_the_employer_questionnaire_goes_to_approvers_who_did_not_take_part(
    approvers, participants, asked
):
    assert rules.employer_respondents(approvers, participants) == asked


def test_a_questionnaire_takes_one_answer_until_it_closes():
    closes = dt.datetime(2027, 2, 14, 17, 0, tzinfo=PARIS)
    rules.check_open(answered_at=None, closes_at=closes, now=closes - dt.timedelta(seconds=1))
    with pytest.raises(RuleViolation) as closed:
        rules.check_open(answered_at=None, closes_at=closes, now=closes)
    assert closed.value.code == "survey_closed"
    assert str(closed.value).startswith("Ce questionnaire est clos depuis le\u00a014 février 2027")
    with pytest.raises(RuleViolation) as answered:
        rules.check_open(answered_at=closes - dt.timedelta(days=3), closes_at=closes, now=closes)
    assert answered.value.code == "survey_answered"
    assert "Vous avez déjà répondu à ce questionnaire le\u00a011 février 2027" in str(
        answered.value
    )


@pytest.mark.parametrize(
    ("kind", "scores", "code"),
    [
        ("hot", {"objectives": 5, "content": 4, "trainer": 3, "organisation": 1}, None),
        ("hot", {"objectives": 5, "content": 4, "trainer": 3}, "survey_incomplete"),
        ("hot", {"objectives": 6, "content": 4, "trainer": 3, "organisation": 1}, "survey_score"),
        ("hot", {"objectives": 0, "content": 4, "trainer": 3, "organisation": 1}, "survey_score"),
        ("cold", {"impact": 3}, None),
        ("cold", {"impact": 3, "trainer": 4}, "survey_score"),
        ("employer", {}, "survey_incomplete"),
    ],
)
def test_every_item_is_rated_from_1_to_5(kind, scores, code):
    if code is None:
        rules.check_scores(kind, scores)
        return
    with pytest.raises(RuleViolation) as refusal:
        rules.check_scores(kind, scores)
    assert refusal.value.code == code


@pytest.mark.parametrize(("answers", "shown"), [(0, False), (2, False), (3, True), (40, True)])
def test_aggregates_only_from_three_answers(answers, shown):
    assert rules.shows_aggregate(answers, threshold=3) is shown


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [(4.25, 1, 4.3), (4.15, 1, 4.2), (12.5, 0, 13), (10.909, 0, 11), (0.025, 2, 0.03)],
)
def test_rounding_is_half_up(value, places, expected):
    assert rules.rounded(value, places) == expected


LIMITS = {"max_structure_share": 50, "min_participants": 4, "single_department_from": 6}
# (participants, largest structure, departments, poor?): Q9 lets two colleagues of a structure
# into a session; more than half of it from one structure, or six or more people of one
# department, is a poor mix.
MIX_TABLE = [
    (0, 0, 0, False),
    (2, 2, 1, False),  # two colleagues: as Q9 allows
    (3, 2, 1, False),  # two thirds, but below 4 participants
    (3, 3, 1, False),
    (4, 2, 1, False),  # exactly half
    (4, 3, 2, True),  # q9_three_colleagues_of_four_is_a_poor_mix
    (5, 3, 2, True),
    (6, 3, 2, False),
    (6, 2, 1, True),  # six people of one department
    (5, 2, 1, False),  # five of one department: below 6
    (7, 4, 1, True),  # both reasons
    (12, 6, 3, False),
    (12, 7, 3, True),
]


@pytest.mark.parametrize(("participants", "largest", "departments", "poor"), MIX_TABLE)
def test_poor_mix(participants, largest, departments, poor):
    reasons = rules.poor_mix_reasons(
        participants=participants, largest_structure=largest, departments=departments, **LIMITS
    )
    assert bool(reasons) is poor


def test_the_reasons_say_why_in_french():
    reasons = rules.poor_mix_reasons(participants=7, largest_structure=4, departments=1, **LIMITS)
    assert reasons == [
        "une même structure réunit 4 des 7 participants (plus de 50\u00a0%)",
        "les 7 participants viennent tous du même département",
    ]
