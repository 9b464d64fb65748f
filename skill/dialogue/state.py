"""Dialogue state carried in Alexa session attributes: read strictly, written plainly; never speaks.

Session attributes come back from the device untrusted, so they are checked field by field (a hand-written check
rather than pydantic keeps the Lambda cold start lean); anything malformed restarts the interview kindly.

The state travels as one compact JSON string under `coach`: the ASK SDK deep-copies session attributes and
serializes them value by value on every request, which cost a nested state more than the whole engine's work
for the turn. A state written as a JSON object is read too. The verdict's `assessment` stays an object (a contract).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal, NamedTuple

from skill.engine import Facts, FactValue
from skill.errors import FactError, MuscleCoachError
from skill.knowledge import KnowledgeBase

__all__ = ["ASSESSMENT_KEY", "STATE_KEY", "DialogueState", "Phase", "SessionStateError", "UserContext"]

STATE_KEY = "coach"
ASSESSMENT_KEY = "assessment"

Phase = Literal["start", "interview", "verdict", "consent", "confirm_forget", "done"]
_PHASES: tuple[Phase, ...] = ("start", "interview", "verdict", "consent", "confirm_forget", "done")


class SessionStateError(MuscleCoachError):
    """The session attributes are not a state this skill wrote."""


class UserContext(NamedTuple):
    """What the skill knows about this user for the session (from the history store, if any)."""

    returning: bool = False
    consent: bool | None = None
    recent_episodes: int = 0
    recent_muscles: tuple[str, ...] = ()
    store_available: bool = False
    store_unreachable: bool = False  # a store is kept, but it failed to answer at the start of the session


class DialogueState(NamedTuple):
    phase: Phase = "start"
    facts: Facts = Facts()
    pending: str | None = None
    misses: int = 0
    last_speech: str | None = None
    last_reprompt: str | None = None
    assessment: dict[str, Any] | None = None
    user: UserContext = UserContext()

    @classmethod
    def from_session(cls, kb: KnowledgeBase, attributes: Mapping[str, Any] | None) -> DialogueState:
        """The state in `attributes`; a fresh one when there is none. Raises SessionStateError if malformed."""
        if not attributes:
            return cls()
        raw = attributes.get(STATE_KEY)
        if raw is None:
            return cls()
        try:
            if isinstance(raw, str):
                raw = json.loads(raw)
            return _parse(kb, raw, attributes.get(ASSESSMENT_KEY))
        except (FactError, TypeError, ValueError, KeyError, RecursionError) as exc:
            raise SessionStateError(f"session attributes are malformed: {exc}") from exc

    def to_session(self) -> dict[str, Any]:
        """JSON-ready session attributes; the verdict's `assessment` sits at the top level (a contract)."""
        state = {
            "phase": self.phase,
            "facts": {k: list(v) if isinstance(v, tuple) else v for k, v in self.facts.values.items()},
            "asked": list(self.facts.asked),
            "missed": list(self.facts.missed),
            "pending": self.pending,
            "misses": self.misses,
            "last_speech": self.last_speech,
            "last_reprompt": self.last_reprompt,
            "user": {
                "returning": self.user.returning,
                "consent": self.user.consent,
                "recent_episodes": self.user.recent_episodes,
                "recent_muscles": list(self.user.recent_muscles),
                "store_available": self.user.store_available,
                "store_unreachable": self.user.store_unreachable,
            },
        }
        out: dict[str, Any] = {STATE_KEY: json.dumps(state, separators=(",", ":"))}
        if self.assessment is not None:
            out[ASSESSMENT_KEY] = self.assessment
        return out

    def evolve(self, **changes: Any) -> DialogueState:
        return self._replace(**changes)


def _parse(kb: KnowledgeBase, raw: Any, assessment: Any) -> DialogueState:
    if not isinstance(raw, dict):
        raise TypeError("state is not an object")
    allowed = {
        "phase",
        "facts",
        "asked",
        "missed",
        "pending",
        "misses",
        "last_speech",
        "last_reprompt",
        "user",
    }
    extra = set(raw) - allowed
    if extra:
        raise ValueError(f"unknown state fields {sorted(extra)}")
    phase = raw.get("phase", "start")
    if phase not in _PHASES:
        raise ValueError(f"unknown phase {phase!r}")
    facts_raw = raw.get("facts", {})
    asked = raw.get("asked", [])
    if not isinstance(facts_raw, dict) or not isinstance(asked, list):
        raise TypeError("facts must be an object and asked a list")
    values: dict[str, FactValue] = {
        str(k): tuple(v) if isinstance(v, list) else v for k, v in facts_raw.items()
    }
    missed = raw.get("missed", [])
    if not isinstance(missed, list):
        raise TypeError("missed must be a list")
    facts = Facts.build(kb, values, [str(q) for q in asked], [str(q) for q in missed])
    pending = raw.get("pending")
    if pending is not None and pending not in kb.questions:
        raise ValueError(f"unknown pending question {pending!r}")
    misses = raw.get("misses", 0)
    if not isinstance(misses, int) or isinstance(misses, bool) or not 0 <= misses <= 10:
        raise ValueError("misses out of range")
    last_speech, last_reprompt = raw.get("last_speech"), raw.get("last_reprompt")
    for text in (last_speech, last_reprompt):
        if text is not None and not isinstance(text, str):
            raise TypeError("last speech must be text")
    if assessment is not None and not _valid_assessment(assessment):
        raise ValueError("assessment attribute is malformed")
    return DialogueState(
        phase=phase,
        facts=facts,
        pending=pending,
        misses=misses,
        last_speech=last_speech,
        last_reprompt=last_reprompt,
        assessment=assessment,
        user=_parse_user(raw.get("user", {})),
    )


def _parse_user(raw: Any) -> UserContext:
    if not isinstance(raw, dict):
        raise TypeError("user must be an object")
    consent = raw.get("consent")
    muscles = raw.get("recent_muscles", [])
    count = raw.get("recent_episodes", 0)
    if consent is not None and not isinstance(consent, bool):
        raise TypeError("consent must be true, false or null")
    if not isinstance(muscles, list) or not all(isinstance(m, str) for m in muscles):
        raise TypeError("recent_muscles must be a list of ids")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise ValueError("recent_episodes must be a count")
    return UserContext(
        returning=bool(raw.get("returning", False)),
        consent=consent,
        recent_episodes=count,
        recent_muscles=tuple(muscles),
        store_available=bool(raw.get("store_available", False)),
        store_unreachable=bool(raw.get("store_unreachable", False)),
    )


def _valid_assessment(value: Any) -> bool:
    if not isinstance(value, dict) or value.get("triage") not in ("self_care", "doctor", "urgent"):
        return False
    causes = value.get("causes")
    return isinstance(causes, list) and all(
        isinstance(c, dict) and isinstance(c.get("id"), str) and isinstance(c.get("score"), int | float)
        for c in causes
    )
