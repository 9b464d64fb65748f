"""The edge between a turn and the history store: loads the user's context, applies a turn's effects, within
the turn's time budget.

A failing or slow store never costs the user their answer: every store call runs against the turn's deadline
(a call still running at the deadline is abandoned), failures are logged, and the turn learns which effects
failed before its words are chosen, so it never claims what the store did not do. A request without a user id
has no history: nothing is read or stored for it.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeoutError
from typing import Final, TypeVar

from skill.dialogue import UserContext
from skill.dialogue import outcomes as o
from skill.errors import StoreError
from skill.knowledge import KnowledgeBase
from skill.persistence import Episode, HistoryStore, UserHistory

__all__ = ["STORE_BUDGET_SECONDS", "HistoryKeeper", "TurnBudget"]

log = logging.getLogger(__name__)

STORE_BUDGET_SECONDS: Final = 4.5
"""All the time the store may take in one turn. Alexa waits 8 s and the function stops at 7 s; the rest of a
turn takes milliseconds, so a turn answers well within 6.5 s whatever the store does."""
_WORKERS: Final = 4

T = TypeVar("T")


class TurnBudget:
    """What is left of the store's time in one turn."""

    __slots__ = ("_deadline",)

    def __init__(self, seconds: float) -> None:
        self._deadline = time.monotonic() + seconds

    def left(self) -> float:
        return self._deadline - time.monotonic()


class HistoryKeeper:
    """The user's history for the turns: the store when there is one (None: history is not kept)."""

    __slots__ = ("_executor", "budget_seconds", "kb", "store")

    def __init__(
        self, kb: KnowledgeBase, store: HistoryStore | None, *, budget_seconds: float = STORE_BUDGET_SECONDS
    ) -> None:
        self.kb = kb
        self.store = store
        self.budget_seconds = budget_seconds
        self._executor: ThreadPoolExecutor | None = None

    def budget(self) -> TurnBudget:
        """A new turn's budget for the store."""
        return TurnBudget(self.budget_seconds)

    def context(self, user_id: str | None, today: dt.date, budget: TurnBudget) -> UserContext:
        """The user's context for a new session."""
        if self.store is None or user_id is None:
            return UserContext(store_available=False)
        history = self._load(user_id, budget)
        if history is None:
            return UserContext(store_available=False, store_unreachable=True)
        window = today - dt.timedelta(days=self.kb.habitual_window_days - 1)
        recent = [e for e in history.episodes if e.day >= window]
        return UserContext(
            returning=history.disclaimer_heard,
            consent=history.consent,
            recent_episodes=len(recent),
            recent_muscles=tuple(dict.fromkeys(m for e in recent for m in e.muscles)),
            store_available=True,
        )

    def recall(self, user_id: str | None, budget: TurnBudget) -> o.Recall:
        """What the skill said last time; not reachable when the store failed."""
        if self.store is None or user_id is None:
            return o.Recall(None, None, None, None)
        history = self._load(user_id, budget)
        if history is None:
            return o.Recall(None, None, None, None, reachable=False)
        last = history.episodes[-1] if history.episodes else None
        if last is None:
            return o.Recall(None, None, None, history.consent)
        return o.Recall(last.cause, last.triage, last.day, history.consent)

    def apply(
        self, user_id: str | None, effects: tuple[o.Effect, ...], today: dt.date, budget: TurnBudget
    ) -> frozenset[o.EffectKind]:
        """Apply a turn's effects in order; the kinds of those that did not happen."""
        store = self.store
        if not effects:
            return frozenset()
        if store is None or user_id is None:
            return frozenset(effect.kind for effect in effects)
        failed: set[o.EffectKind] = set()
        consent_kept = False
        for effect in effects:
            try:
                if effect.kind == "disclaimer_heard":
                    self._call(budget, store.mark_disclaimer_heard, user_id)
                elif effect.kind == "set_consent" and effect.consent is not None:
                    self._call(budget, store.set_consent, user_id, effect.consent)
                    consent_kept = effect.consent
                elif effect.kind == "forget":
                    self._call(budget, store.delete_user, user_id)
                elif effect.kind == "record_episode" and effect.triage is not None:
                    # Consent as stored, not as the session the device sent back says.
                    if not consent_kept and self._call(budget, store.load, user_id).consent is not True:
                        log.warning("not recording an episode: the stored profile holds no consent")
                        continue
                    episode = Episode(today, effect.muscles, effect.cause, effect.triage)
                    self._call(budget, store.append_episode, user_id, episode)
            except StoreError:
                log.warning("history store failed during %s", effect.kind, exc_info=True)
                failed.add(effect.kind)
        return frozenset(failed)

    def forget(self, user_id: str) -> bool:
        """Delete everything about the user (True when no history is kept); False (logged) when the store failed."""
        if self.store is None:
            return True
        return not self.apply(user_id, (o.Effect("forget"),), dt.date.min, self.budget())

    def _load(self, user_id: str, budget: TurnBudget) -> UserHistory | None:
        assert self.store is not None
        try:
            return self._call(budget, self.store.load, user_id)
        except StoreError:
            log.warning("history store is unavailable; going on without history this turn", exc_info=True)
            return None

    def _call(self, budget: TurnBudget, method: Callable[..., T], *args: object) -> T:
        """One store call, given up (StoreError) when the turn's budget runs out before it answers."""
        left = budget.left()
        if left <= 0:
            raise StoreError("the turn's time for the history store has run out")
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="history-store")
        future: Future[T] = self._executor.submit(method, *args)
        try:
            return future.result(timeout=left)
        except FutureTimeoutError as exc:
            future.cancel()  # still queued behind stalled calls: never let it run after the turn gave up
            raise StoreError(f"the history store did not answer within {left:.1f} s") from exc
