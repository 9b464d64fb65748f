"""The phrasing corpus played through virtual-alexa and through the chat resolver; must not reach into the skill.

Both understanding rates and every miss are printed in the run's summary (`make corpus` prints them alone).
"""

from __future__ import annotations

import pytest
from phrasing_corpus import TARGET, Phrase, Report, load_corpus, measure

from skill.knowledge import load_knowledge_base

pytestmark = pytest.mark.e2e

SUMMARY = pytest.StashKey[str]()
MIN_PHRASES = 600


@pytest.fixture(scope="module")
def report(node_binary: str, request: pytest.FixtureRequest) -> Report:
    measured = measure(node_binary)
    request.config.stash[SUMMARY] = measured.summary()
    return measured


def test_the_corpus_is_large_and_well_formed() -> None:
    phrases = load_corpus(load_knowledge_base())
    assert len(phrases) >= MIN_PHRASES
    said = [p.say.lower() for p in phrases]
    assert sorted({s for s in said if said.count(s) > 1 and _same_question(phrases, s)}) == []
    marked = [p for p in phrases if p.beyond is not None]
    assert len(marked) <= len(phrases) // 20, "mark phrases beyond both paths sparingly"


def _same_question(phrases: list[Phrase], say: str) -> bool:
    questions = [p.expected.question for p in phrases if p.say.lower() == say]
    return len(questions) != len(set(questions))


def test_virtual_alexa_understands_the_corpus(report: Report) -> None:
    assert report.rate("virtual_alexa") >= TARGET, report.summary()


def test_the_chat_resolver_understands_the_corpus(report: Report) -> None:
    assert report.rate("resolver") >= TARGET, report.summary()


def test_the_chat_resolver_is_never_more_forgiving_than_virtual_alexa(report: Report) -> None:
    """`chat` shows what Alexa would do, never more: a phrase only the resolver understands needs a reason."""
    assert [o.phrase.say for o in report.resolver_only] == [], report.summary()
