"""The edge between a turn and the history store: loads the user's context, applies a turn's effects.

A failing store never costs the user their answer: failures are logged once per call and the turn goes on
without history.
"""

from __future__ import annotations

import datetime as dt
import logging

from skill.dialogue import DialogueState, UserContext
from skill.dialogue import outcomes as o
from skill.errors import StoreError
from skill.knowledge import KnowledgeBase
from skill.persistence import NO_HISTORY, Episode, HistoryStore, UserHistory

__all__ = ["HistoryKeeper"]

log = logging.getLogger(__name__)


class HistoryKeeper:
    """The user's history for the turns: the store when there is one (None: history is not kept)."""

    __slots__ = ("kb", "store")

    def __init__(self, kb: KnowledgeBase, store: HistoryStore | None) -> None:
        self.kb = kb
        self.store = store

    def context(self, user_id: str, today: dt.date) -> tuple[UserContext, o.Recall]:
        """The user's context for a new session, and what the skill said last time."""
        history = self._load(user_id)
        if history is None:
            return UserContext(store_available=False), o.Recall(None, None, None, None)
        window = today - dt.timedelta(days=self.kb.habitual_window_days - 1)
        recent = [e for e in history.episodes if e.day >= window]
        muscles = tuple(dict.fromkeys(m for e in recent for m in e.muscles))
        last = history.episodes[-1] if history.episodes else None
        recall = o.Recall(
            last.cause if last else None,
            last.triage if last else None,
            last.day.strftime("%B %d").replace(" 0", " ") if last else None,
            history.consent,
        )
        context = UserContext(
            returning=history.disclaimer_heard,
            consent=history.consent,
            recent_episodes=len(recent),
            recent_muscles=muscles,
            store_available=True,
        )
        return context, recall

    def recall(self, user_id: str) -> o.Recall:
        history = self._load(user_id) or NO_HISTORY
        last = history.episodes[-1] if history.episodes else None
        if last is None:
            return o.Recall(None, None, None, history.consent)
        return o.Recall(
            last.cause, last.triage, last.day.strftime("%B %d").replace(" 0", " "), history.consent
        )

    def apply(
        self, user_id: str, effects: tuple[o.Effect, ...], state: DialogueState, today: dt.date
    ) -> None:
        if self.store is None:
            return
        for effect in effects:
            try:
                self._apply_one(user_id, effect, state, today)
            except StoreError:
                log.warning(
                    "history store failed during %s; the user still got their answer",
                    effect.kind,
                    exc_info=True,
                )

    def forget(self, user_id: str) -> None:
        if self.store is None:
            return
        try:
            self.store.delete_user(user_id)
        except StoreError:
            log.warning("history store failed to delete a user", exc_info=True)

    def _apply_one(self, user_id: str, effect: o.Effect, state: DialogueState, today: dt.date) -> None:
        assert self.store is not None
        if effect.kind == "disclaimer_heard":
            self.store.mark_disclaimer_heard(user_id)
        elif effect.kind == "set_consent" and effect.consent is not None:
            self.store.set_consent(user_id, effect.consent)
        elif effect.kind == "forget":
            self.store.delete_user(user_id)
        elif effect.kind == "record_episode" and state.assessment is not None:
            causes = state.assessment.get("causes") or []
            cause = causes[0]["id"] if causes and state.assessment.get("triage") != "urgent" else None
            self.store.append_episode(
                user_id,
                Episode(
                    day=today,
                    muscles=state.facts.muscles(),
                    cause=cause,
                    triage=str(state.assessment["triage"]),
                ),
            )

    def _load(self, user_id: str) -> UserHistory | None:
        if self.store is None:
            return None
        try:
            return self.store.load(user_id)
        except StoreError:
            log.warning("history store is unavailable; going on without history this turn", exc_info=True)
            return None
