"""What the user has told the skill, as typed facts: validated against the knowledge base, immutable.

A fact is a finding (True, False, or None for "I don't know"), a quantity (minutes, milligrams, days), the
twitching muscles, or the workout. Questions already put to the user are remembered too, so nothing is asked twice.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Final, NamedTuple

from skill.errors import FactError
from skill.knowledge.model import KnowledgeBase

__all__ = ["MUSCLES", "WORKOUT", "FactValue", "Facts"]

MUSCLES = "muscles"
WORKOUT = "workout"

FactValue = bool | float | str | tuple[str, ...] | None
_NOTHING_SAID: Final[Mapping[str, FactValue]] = MappingProxyType({})


class Facts(NamedTuple):
    """Everything the user said, keyed by fact id; None means they said they don't know."""

    values: Mapping[str, FactValue] = _NOTHING_SAID
    asked: tuple[str, ...] = ()
    missed: tuple[str, ...] = ()  # questions the user could not answer in two tries

    @classmethod
    def build(
        cls,
        kb: KnowledgeBase,
        values: Mapping[str, FactValue] | None = None,
        asked: Iterable[str] = (),
        missed: Iterable[str] = (),
    ) -> Facts:
        """Validated facts: unknown ids and out-of-range values raise FactError naming what is wrong."""
        checked = {key: _check(kb, key, value) for key, value in (values or {}).items()}
        asked_ids = tuple(dict.fromkeys(asked))
        missed_ids = tuple(dict.fromkeys(missed))
        for question_id in (*asked_ids, *missed_ids):
            if question_id not in kb.questions:
                raise FactError(f"unknown question id {question_id!r}")
        return cls(MappingProxyType(checked), asked_ids, missed_ids)

    def with_values(self, kb: KnowledgeBase, updates: Mapping[str, FactValue]) -> Facts:
        """These facts with `updates` applied (a later answer corrects an earlier one)."""
        merged = dict(self.values)
        merged.update({key: _check(kb, key, value) for key, value in updates.items()})
        return self._replace(values=MappingProxyType(merged))

    def with_asked(self, question_id: str) -> Facts:
        if question_id in self.asked:
            return self
        return self._replace(asked=(*self.asked, question_id))

    def with_missed(self, question_id: str) -> Facts:
        """The question was asked and could not be answered in two tries."""
        asked = self.with_asked(question_id)
        if question_id in asked.missed:
            return asked
        return asked._replace(missed=(*asked.missed, question_id))

    def get(self, key: str) -> FactValue:
        return self.values.get(key)

    def finding(self, key: str) -> bool | None:
        value = self.values.get(key)
        return value if isinstance(value, bool) else None

    def quantity(self, key: str) -> float | None:
        value = self.values.get(key)
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None

    def muscles(self) -> tuple[str, ...]:
        value = self.values.get(MUSCLES)
        return value if isinstance(value, tuple) else ()

    def workout(self) -> str | None:
        value = self.values.get(WORKOUT)
        return value if isinstance(value, str) else None


def _check(kb: KnowledgeBase, key: str, value: FactValue) -> FactValue:
    if key in kb.findings:
        if value is None or isinstance(value, bool):
            return value
        raise FactError(f"finding {key!r} takes yes, no or unknown, not {value!r}")
    if key in kb.quantities:
        if value is None:
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or (isinstance(value, float) and math.isnan(value))
        ):
            raise FactError(f"quantity {key!r} takes a number, not {value!r}")
        low, high = kb.quantities[key]
        try:
            number = float(value)
        except OverflowError:  # an int too large for a float
            raise FactError(f"quantity {key!r} must be between {low:g} and {high:g}") from None
        if not low <= number <= high:
            raise FactError(f"quantity {key!r} must be between {low:g} and {high:g}, got {number:g}")
        return number
    if key == MUSCLES:
        if not isinstance(value, tuple) or not all(isinstance(m, str) for m in value):
            raise FactError(f"muscles take a tuple of muscle ids, not {value!r}")
        unknown = [m for m in value if m not in kb.muscles]
        if unknown:
            raise FactError(f"unknown muscle ids {unknown}")
        return tuple(dict.fromkeys(value))
    if key == WORKOUT:
        if value is None:
            return None
        if not isinstance(value, str) or value not in kb.workouts:
            raise FactError(f"unknown workout id {value!r}")
        return value
    raise FactError(f"unknown fact id {key!r}")
