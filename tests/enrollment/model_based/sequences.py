"""The shortest sequences found so far that break a rule, replayed step by step on the model
(`test_model_based.test_shortest_sequences_found`). Each is a world and its steps: the name of a
rule of the state machine and its arguments, as Hypothesis prints them. Those with a race
depend on timing, and usually reproduce.
"""

from .world import SessionPlan, WorldPlan


def training(capacity=1, days_ahead=30, deadline_days=2) -> SessionPlan:
    return SessionPlan("training", capacity, days_ahead, 9, deadline_days)


def world(*capacities, held=(0, 0, 0, 0, 0), days_ahead=30, scenario="printemps") -> WorldPlan:
    """Three trainings (starting 30 days after 12 March 2030 by default) and a webinar."""
    return WorldPlan(
        scenario=scenario,
        sessions=tuple(training(c, days_ahead) for c in capacities or (1, 1, 1)),
        webinar=SessionPlan("webinar", 1, 12, 9, 2),
        trainings_held=held,
        tremplin_member_next_year=False,
    )


def graves_ask_for_s1():
    """Aline (the only approver), Antoine, Amandine ask for S1: the third one waits (cap)."""
    return [
        ("submit_one", {"person": "aline", "index": 0}),
        ("submit_one", {"person": "antoine", "index": 0}),
        ("submit_one", {"person": "amandine", "index": 0}),
    ]


AMANDINE_HOLDS_TWO_TRAININGS = (0, 2, 0, 0, 0)

SEQUENCES = {
    # Raising the capacity seats a third colleague before the cap release.
    "inv2-capacity-raise-seats-a-third-colleague": (
        world(2, 1, 1),
        [*graves_ask_for_s1(), ("set_capacity", {"index": 0, "change": 1})],
    ),
    # Across the change to summer time, the cap is released an hour early.
    "inv2-summer-time-releases-the-cap-early": (
        world(3, 1, 1, days_ahead=25),  # starts 6 April 2030, its release is on 22 March
        [
            *graves_ask_for_s1(),
            # 08:00 CET: start − 15 days is 09:00 CET on the wall clock, 08:00 CET in hours
            (
                "move_clock",
                {"index": 0, "boundary": "release", "minutes": -60, "tasks_run": ("release",)},
            ),
        ],
    ),
    # A staff promotion racing the person's own cart exceeds the quota.
    "inv3-promotion-racing-own-cart-exceeds-quota": (
        world(3, 1, 1, held=AMANDINE_HOLDS_TWO_TRAININGS),
        [*graves_ask_for_s1(), ("race_promotion_and_cart", {"pick": 0, "index": 1})],
    ),
    # A session cancelled late counts twice when asked for again.
    "inv3-late-cancelled-session-counted-twice": (
        WorldPlan(
            scenario="printemps",
            sessions=(training(2, deadline_days=3), training(), training()),
            webinar=SessionPlan("webinar", 1, 12, 9, 2),
            trainings_held=AMANDINE_HOLDS_TWO_TRAININGS,
            tremplin_member_next_year=False,
        ),
        [
            ("submit_one", {"person": "amandine", "index": 0}),
            ("employer_decides", {"pick": 0, "stray": 0, "accept": True, "by_staff": False}),
            ("move_clock", {"index": 0, "boundary": "late", "minutes": 60, "tasks_run": ()}),
            ("cancel", {"pick": 2, "stray": 0}),  # her S1 request, after her F3 and F1
            ("submit_one", {"person": "amandine", "index": 0}),
        ],
    ),
    # After the cap release, a new cart is seated before the waiting colleague.
    "inv4-new-cart-before-colleague-after-release": (
        world(3, 1, 1),
        [
            *graves_ask_for_s1(),
            ("move_clock", {"index": 0, "boundary": "release", "minutes": 60, "tasks_run": ()}),
            ("submit_one", {"person": "benoit", "index": 0}),
        ],
    ),
    # A request skipped for the quota is not reconsidered when the quota frees.
    "inv4-skipped-request-not-reconsidered": (
        world(1, 1, 1, held=AMANDINE_HOLDS_TWO_TRAININGS),
        [
            ("submit_one", {"person": "aline", "index": 0}),
            ("submit_one", {"person": "amandine", "index": 0}),  # waits: S1 is full
            ("submit_cart", {"person": "amandine", "picks": [1]}),  # her third training
            ("cancel", {"pick": 2, "stray": 0}),  # Aline withdraws: Amandine is skipped
            ("cancel", {"pick": 3, "stray": 0}),  # Amandine withdraws from S2: quota frees
        ],
    ),
    # An approval at the deadline is accepted.
    "inv5-approval-at-the-deadline": (
        world(),
        [
            ("submit_one", {"person": "antoine", "index": 0}),
            ("move_clock", {"index": 0, "boundary": "deadline", "minutes": 0, "tasks_run": ()}),
            ("employer_decides", {"pick": 0, "stray": 0, "accept": True, "by_staff": False}),
        ],
    ),
    # A service on a session after its deadline leaves a request pending.
    "inv5-pending-after-a-service-past-deadline": (
        world(),
        [
            ("submit_one", {"person": "antoine", "index": 0}),
            ("move_clock", {"index": 0, "boundary": "deadline", "minutes": 0, "tasks_run": ()}),
            ("set_capacity", {"index": 0, "change": 1}),
        ],
    ),
    # An approval racing the approver's own cart deadlocks.
    "inv7-approval-racing-approvers-own-cart": (
        world(3, 3, 1),
        [
            ("submit_one", {"person": "antoine", "index": 0}),
            ("race_approval_and_own_cart", {"pick": 0, "index": 0}),
        ],
    ),
    # An account deletion racing the person's own cart deadlocks, or leaves a live request.
    "inv7-inv9-deletion-racing-own-cart": (
        world(3, 3, 1),
        [
            (
                "delete_account",
                {"person": "amandine", "racing_cart": True, "other": 1, "index": 0},
            ),
        ],
    ),
    # Withdrawing late a request still awaiting the employer is counted in the quota.
    "inv8-late-withdrawal-awaiting-employer-counted": (
        world(days_ahead=12),
        [
            ("submit_one", {"person": "antoine", "index": 0}),
            ("move_clock", {"index": 0, "boundary": "late", "minutes": 60, "tasks_run": ()}),
            ("cancel", {"pick": 0, "stray": 0}),
        ],
    ),
}
