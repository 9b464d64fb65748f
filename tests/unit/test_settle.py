"""`settle`: what a turn says once its history effects were applied; a table of outcomes and failed effects,
no store and no mocks."""

from __future__ import annotations

import pytest

from skill.dialogue import DialogueState, Turn, settle
from skill.dialogue import outcomes as o
from skill.engine import Facts, assess
from skill.knowledge import load_knowledge_base

KB = load_knowledge_base()
VERDICT = o.Verdict(assess(KB, Facts()), Facts(), disclaimer=False, follow_up="more")

CASES: list[tuple[str, o.Outcome, frozenset[o.EffectKind], o.Outcome]] = [
    ("deleted", o.Farewell("forgotten"), frozenset(), o.Farewell("forgotten")),
    ("deletion failed", o.Farewell("forgotten"), frozenset({"forget"}), o.Farewell("forget_failed")),
    ("remembered", o.Farewell("consent_yes"), frozenset(), o.Farewell("consent_yes")),
    (
        "consent not kept",
        o.Farewell("consent_yes"),
        frozenset({"set_consent"}),
        o.Farewell("consent_unsaved"),
    ),
    (
        "episode not kept",
        o.Farewell("consent_yes"),
        frozenset({"record_episode"}),
        o.Farewell("consent_unsaved"),
    ),
    ("verdict kept", VERDICT, frozenset(), VERDICT),
    ("verdict not kept", VERDICT, frozenset({"record_episode"}), VERDICT._replace(unsaved=True)),
    ("disclaimer flag lost: nothing to say", VERDICT, frozenset({"disclaimer_heard"}), VERDICT),
    (
        "declined, not kept: still true",
        o.Farewell("consent_no"),
        frozenset({"set_consent"}),
        o.Farewell("consent_no"),
    ),
]


@pytest.mark.parametrize(
    ("outcome", "failed", "said"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_a_turn_never_claims_what_the_store_did_not_do(
    outcome: o.Outcome, failed: frozenset[o.EffectKind], said: o.Outcome
) -> None:
    turn = Turn(outcome, DialogueState(phase="done"), end_session=True)

    settled = settle(turn, failed)

    assert settled.outcome == said
    assert settled._replace(outcome=outcome) == turn  # only the words change
