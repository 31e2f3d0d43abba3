"""The rules of DESIGN.md R1–R9, case by case, with no database."""

import datetime as dt

import pytest

from enrollment import rules
from enrollment.rules import RuleViolation

START = dt.datetime(2027, 3, 15, 9, 0, tzinfo=dt.UTC)


def refusal_code(check, **kwargs):
    try:
        check(**kwargs)
    except RuleViolation as violation:
        assert violation.message  # every refusal explains itself in French
        return violation.code
    return None


@pytest.mark.parametrize(
    ("member_only", "status", "has_structure", "expected"),
    [
        pytest.param(False, "job_seeker", False, None, id="q4_job_seeker_may_join_webinar"),
        pytest.param(True, "job_seeker", False, "audience", id="q4_job_seeker_refused_member_only"),
        pytest.param(True, "employee", True, None, id="q5_employee_through_structure"),
        pytest.param(True, "independent", True, None, id="q2_independent_member_only"),
        pytest.param(True, "employee", False, "audience", id="q5_no_individual_registration"),
        pytest.param(False, "employee", False, None, id="q10_short_format_for_anyone"),
        pytest.param(True, "", True, "audience", id="incomplete_profile"),
    ],
)
def test_check_audience(member_only, status, has_structure, expected):
    code = refusal_code(
        rules.check_audience,
        member_only=member_only,
        employment_status=status,
        has_structure=has_structure,
    )
    assert code == expected


@pytest.mark.parametrize(
    ("member_only", "is_member", "expected"),
    [
        pytest.param(True, True, None, id="q3_member_structure"),
        pytest.param(True, False, "membership", id="q3_non_member_refused"),
        pytest.param(False, False, None, id="q3_short_format_needs_no_membership"),
    ],
)
def test_check_membership(member_only, is_member, expected):
    code = refusal_code(
        rules.check_membership, member_only=member_only, structure_is_member=is_member, year=2027
    )
    assert code == expected


def test_membership_message_says_how_to_join():
    with pytest.raises(RuleViolation) as refusal:
        rules.check_membership(
            member_only=True, structure_is_member=False, year=2027, contact="adhesion@x.fr"
        )
    assert "100 €" in refusal.value.message
    assert "150 €" in refusal.value.message
    assert "adhesion@x.fr" in refusal.value.message
    assert "2027" in refusal.value.message


@pytest.mark.parametrize(
    ("member_only", "colleagues", "released", "expected"),
    [
        pytest.param(True, 0, False, None, id="q9_first_colleague_gets_place"),
        pytest.param(True, 1, False, None, id="q9_second_colleague_gets_place"),
        pytest.param(True, 2, False, "structure_cap", id="q9_third_colleague_is_waitlisted"),
        pytest.param(True, 5, True, None, id="q9_cap_released_before_start"),
        pytest.param(False, 7, False, None, id="q9_cap_only_for_member_only_actions"),
    ],
)
def test_check_structure_cap(member_only, colleagues, released, expected):
    code = refusal_code(
        rules.check_structure_cap,
        member_only=member_only,
        colleagues_holding=colleagues,
        cap_released=released,
    )
    assert code == expected


@pytest.mark.parametrize(
    ("days_before", "released"),
    [
        pytest.param(16, False, id="16_days_cap_holds"),
        pytest.param(15, True, id="exactly_15_days_cap_released"),
        pytest.param(3, True, id="3_days_cap_released"),
    ],
)
def test_structure_cap_released(days_before, released):
    now = START - dt.timedelta(days=days_before)
    assert rules.structure_cap_released(now=now, starts_at=START, release_days=15) is released


@pytest.mark.parametrize(
    ("member_only", "is_training", "counted", "trainings", "expected"),
    [
        pytest.param(True, True, 2, 2, None, id="q10_third_training_allowed"),
        pytest.param(True, True, 3, 3, "quota", id="q10_fourth_training_refused"),
        pytest.param(True, False, 3, 3, None, id="q10_three_trainings_plus_self_training"),
        pytest.param(True, False, 4, 3, "quota", id="q10_fifth_member_only_refused"),
        pytest.param(True, True, 4, 2, "quota", id="q10_fifth_action_even_if_training_left"),
        pytest.param(False, False, 40, 3, None, id="q10_short_formats_unlimited"),
        pytest.param(True, False, 0, 0, None, id="first_action_of_year"),
    ],
)
def test_check_annual_quota(member_only, is_training, counted, trainings, expected):
    code = refusal_code(
        rules.check_annual_quota,
        member_only=member_only,
        is_training=is_training,
        year=2027,
        counted_member_only=counted,
        counted_trainings=trainings,
    )
    assert code == expected


@pytest.mark.parametrize(
    ("capacity", "held", "expected"),
    [
        pytest.param(5, 4, None, id="q12_last_place_taken"),
        pytest.param(5, 5, "full", id="q12_full_session_waitlists"),
        pytest.param(1, 0, None, id="single_place"),
    ],
)
def test_check_places_left(capacity, held, expected):
    assert refusal_code(rules.check_places_left, capacity=capacity, held=held) == expected


@pytest.mark.parametrize(
    ("delta", "late"),
    [
        pytest.param(dt.timedelta(days=9), True, id="q11_cancel_9_days_before_is_counted"),
        pytest.param(dt.timedelta(days=10), False, id="q11_exactly_10_days_is_not_counted"),
        pytest.param(
            dt.timedelta(days=10) - dt.timedelta(seconds=1), True, id="q11_just_under_10_days"
        ),
        pytest.param(dt.timedelta(days=30), False, id="q11_cancel_a_month_before"),
        pytest.param(dt.timedelta(hours=2), True, id="q11_cancel_on_the_day"),
    ],
)
def test_is_late_cancellation(delta, late):
    assert rules.is_late_cancellation(now=START - delta, starts_at=START, late_days=10) is late


@pytest.mark.parametrize(
    ("now", "is_live", "reason", "expected"),
    [
        pytest.param(START - dt.timedelta(days=1), True, "Malade", None, id="before_start"),
        pytest.param(START, True, "Malade", "started", id="q11_not_after_start"),
        pytest.param(START - dt.timedelta(days=1), True, "  ", "reason_required", id="reason"),
        pytest.param(START - dt.timedelta(days=1), False, "x", "not_cancellable", id="closed"),
    ],
)
def test_check_cancellation_allowed(now, is_live, reason, expected):
    code = refusal_code(
        rules.check_cancellation_allowed, now=now, starts_at=START, is_live=is_live, reason=reason
    )
    assert code == expected


@pytest.mark.parametrize(
    ("now", "cancelled", "expected"),
    [
        pytest.param(START - dt.timedelta(days=3), False, None, id="q12_before_deadline"),
        pytest.param(START - dt.timedelta(days=2), False, "closed", id="q12_at_deadline"),
        pytest.param(START - dt.timedelta(days=1), False, "closed", id="q12_after_deadline"),
        pytest.param(START - dt.timedelta(days=9), True, "cancelled_session", id="cancelled"),
    ],
)
def test_check_registration_open(now, cancelled, expected):
    code = refusal_code(
        rules.check_registration_open,
        now=now,
        registration_deadline=START - dt.timedelta(days=2),
        starts_at=START,
        is_cancelled=cancelled,
    )
    assert code == expected


@pytest.mark.parametrize(
    ("member_only", "days_before", "warns"),
    [
        pytest.param(True, 20, True, id="q12_member_only_under_3_weeks_warns"),
        pytest.param(True, 21, False, id="q12_exactly_3_weeks_no_warning"),
        pytest.param(False, 2, False, id="q12_short_format_no_delay"),
    ],
)
def test_lead_time_warning(member_only, days_before, warns):
    warning = rules.lead_time_warning(
        member_only=member_only, now=START - dt.timedelta(days=days_before), starts_at=START
    )
    assert (warning is not None) is warns


@pytest.mark.parametrize(
    ("member_only", "independent", "pre_approved", "expected"),
    [
        pytest.param(True, False, False, True, id="q8_employee_needs_employer"),
        pytest.param(True, True, False, False, id="independent_approves_implicitly"),
        pytest.param(True, False, True, False, id="pre_approved_skips_employer"),
        pytest.param(False, False, False, False, id="short_format_no_employer"),
    ],
)
def test_needs_employer_approval(member_only, independent, pre_approved, expected):
    assert (
        rules.needs_employer_approval(
            member_only=member_only, is_independent=independent, pre_approved=pre_approved
        )
        is expected
    )


@pytest.mark.parametrize(
    ("now", "overdue"),
    [
        pytest.param(START - dt.timedelta(days=3), False, id="before_deadline"),
        pytest.param(START - dt.timedelta(days=2), True, id="at_deadline_lapses"),
    ],
)
def test_approval_is_overdue(now, overdue):
    deadline = START - dt.timedelta(days=2)
    assert rules.approval_is_overdue(now=now, registration_deadline=deadline) is overdue


def test_rule_violation_is_a_validation_error_with_code():
    violation = RuleViolation("quota", "Trop d'actions.")
    assert violation.code == "quota"
    assert str(violation) == "Trop d'actions."


# --- Paris wall-clock days (Decisions « Days ») ---------------------------------------------

PARIS = rules.PROGRAMME_TIMEZONE


def paris(*args):
    return dt.datetime(*args, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # No change in between: plain arithmetic.
        pytest.param(paris(2027, 2, 16, 9), 10, paris(2027, 2, 6, 9), id="winter"),
        # March change (28 March 2027) in between: 10 days before is 9:00 Paris still,
        # i.e. 9 days 23 hours before in absolute time.
        pytest.param(paris(2027, 4, 2, 9), 10, paris(2027, 3, 23, 9), id="across_march_change"),
        # October change (31 October 2027): 10 days and 1 hour in absolute time.
        pytest.param(paris(2027, 11, 5, 9), 10, paris(2027, 10, 26, 9), id="across_october"),
        pytest.param(paris(2027, 4, 5, 14), 15, paris(2027, 3, 21, 14), id="release_15_days"),
        pytest.param(paris(2027, 4, 12, 9), 21, paris(2027, 3, 22, 9), id="lead_time_21_days"),
        # A wall-clock time that does not exist that day (2:30 on 28 March) becomes 3:30.
        pytest.param(paris(2027, 4, 7, 2, 30), 10, paris(2027, 3, 28, 3, 30), id="spring_gap"),
    ],
)
def test_days_before_keeps_the_paris_wall_clock(start, days, expected):
    assert rules.days_before(start, days) == expected
    assert rules.days_before(start, days).astimezone(PARIS).hour == expected.hour


@pytest.mark.parametrize(
    ("start", "now", "late"),
    [
        pytest.param(paris(2027, 4, 2, 9), paris(2027, 3, 23, 9), False, id="march_exactly_10"),
        pytest.param(
            paris(2027, 4, 2, 9), paris(2027, 3, 23, 9, 0, 1), True, id="march_one_second_after"
        ),
        pytest.param(paris(2027, 4, 2, 9), paris(2027, 3, 23, 8, 30), False, id="march_before"),
        pytest.param(paris(2027, 11, 5, 9), paris(2027, 10, 26, 9), False, id="october_exactly"),
        pytest.param(paris(2027, 11, 5, 9), paris(2027, 10, 26, 9, 30), True, id="october_after"),
        # Absolute 10 days would say "late" at 8:30 Paris in October: the wall clock does not.
        pytest.param(paris(2027, 11, 5, 9), paris(2027, 10, 26, 8, 30), False, id="october_8h30"),
    ],
)
def test_late_cancellation_across_daylight_saving(start, now, late):
    assert rules.is_late_cancellation(now=now, starts_at=start, late_days=10) is late


@pytest.mark.parametrize(
    ("now", "released"),
    [
        pytest.param(paris(2027, 3, 21, 13, 59), False, id="a_minute_before"),
        pytest.param(paris(2027, 3, 21, 14), True, id="at_the_instant"),
        pytest.param(paris(2027, 3, 30), True, id="later"),
    ],
)
def test_structure_cap_release_on_the_paris_clock(now, released):
    start = paris(2027, 4, 5, 14)  # 15 days before crosses the March change
    assert rules.structure_cap_released(now=now, starts_at=start, release_days=15) is released


def test_lead_time_warning_on_the_paris_clock():
    start = paris(2027, 4, 12, 9)
    kwargs = {"member_only": True, "starts_at": start, "recommended_days": 21}
    assert rules.lead_time_warning(now=paris(2027, 3, 22, 9), **kwargs) is None
    assert rules.lead_time_warning(now=paris(2027, 3, 22, 9, 1), **kwargs)


# --- R8 counted withdrawals --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("member_only", "accepted", "days_left", "counted"),
    [
        pytest.param(True, True, 9, True, id="late_accepted_member_only"),
        pytest.param(True, True, 10, False, id="exactly_10_days"),
        pytest.param(True, True, 30, False, id="in_time"),
        pytest.param(True, False, 2, False, id="awaiting_employer_or_waitlisted"),
        pytest.param(False, True, 2, False, id="short_format"),
    ],
)
def test_cancellation_is_counted(member_only, accepted, days_left, counted):
    assert (
        rules.cancellation_is_counted(
            member_only=member_only,
            employer_accepted=accepted,
            now=START - dt.timedelta(days=days_left),
            starts_at=START,
            late_days=10,
        )
        is counted
    )


# --- R4 self-approval (Decisions « Independent ») --------------------------------------------


@pytest.mark.parametrize(
    ("approver_ids", "expected"),
    [
        pytest.param({7}, True, id="sole_approver_or_independent_in_own_structure"),
        pytest.param({7, 8}, False, id="with_a_co_approver"),
        pytest.param({8}, False, id="someone_elses_structure"),
        pytest.param(set(), False, id="structure_without_approver"),
    ],
)
def test_approves_own_requests(approver_ids, expected):
    assert rules.approves_own_requests(user_id=7, approver_ids=approver_ids) is expected


# --- R6 counted once ---------------------------------------------------------------------------


def test_a_session_already_counted_does_not_count_again():
    kwargs = {"member_only": True, "is_training": True, "year": 2027}
    assert (
        refusal_code(rules.check_annual_quota, counted_member_only=4, counted_trainings=3, **kwargs)
        == "quota"
    )
    assert (
        refusal_code(
            rules.check_annual_quota,
            counted_member_only=4,
            counted_trainings=3,
            session_already_counted=True,
            **kwargs,
        )
        is None
    )


# --- texts people type ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "visible"),
    [
        pytest.param("Motivée", True, id="plain"),
        pytest.param("  \n\t ", False, id="spaces"),
        pytest.param("\u200b\u200c\u200d\u2060\ufeff", False, id="zero_width"),
        pytest.param("\u202e\u202d\u2066\u2069", False, id="bidi_controls"),
        pytest.param("\u3164\u115f\u2800\u00a0\u3000", False, id="blank_fillers"),
        pytest.param("\ufe0f\U000e0101\u034f", False, id="selectors_and_joiner"),
        pytest.param("\u200bOK\u200b", True, id="visible_among_invisible"),
        pytest.param("😀", True, id="emoji"),
    ],
)
def test_has_visible_text(text, visible):
    assert rules.has_visible_text(text) is visible


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        pytest.param("Pas cette année", None, id="given"),
        pytest.param("", "reason_required", id="empty"),
        pytest.param("\u200b\u200b", "reason_required", id="invisible"),
        pytest.param("x" * rules.REASON_MAX_LENGTH, None, id="at_the_limit"),
        pytest.param("x" * (rules.REASON_MAX_LENGTH + 1), "reason_required", id="too_long"),
    ],
)
def test_check_reason_given(reason, expected):
    assert refusal_code(rules.check_reason_given, reason=reason) == expected


@pytest.mark.parametrize(
    ("deadline_delta", "start_delta", "cancelled", "open_"),
    [
        pytest.param(1, 5, False, True, id="before_deadline"),
        pytest.param(0, 5, False, False, id="at_deadline"),
        pytest.param(-1, 5, False, False, id="after_deadline"),
        pytest.param(1, 0, False, False, id="started"),
        pytest.param(1, 5, True, False, id="cancelled"),
    ],
)
def test_is_registration_open(deadline_delta, start_delta, cancelled, open_):
    now = START
    assert (
        rules.is_registration_open(
            now=now,
            registration_deadline=now + dt.timedelta(seconds=deadline_delta),
            starts_at=now + dt.timedelta(days=start_delta),
            is_cancelled=cancelled,
        )
        is open_
    )
