"""The engine's numbers in cause order, derived once per knowledge base: log priors, likelihood rows, entropies.

Every Alexa turn ranks the causes and scores each open question; reading these rows instead of the knowledge
base's per-cause dictionaries (and taking logarithms once, not on every turn) keeps a turn's engine work small.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from skill.knowledge.model import CAUSE_IDS, KnowledgeBase

__all__ = ["Tables", "binary_entropy", "tables"]

_CACHED = 8


class Tables(NamedTuple):
    """Per-finding rows in CAUSE_IDS order, for the findings that weigh on the causes."""

    kb: KnowledgeBase  # held so that the cache key (its id) cannot be reused while the entry lives
    log_prior: tuple[float, ...]
    present: dict[str, tuple[float, ...]]  # P(present | cause)
    log_present: dict[str, tuple[float, ...]]
    log_absent: dict[str, tuple[float, ...]]
    answer_entropy: dict[str, tuple[float, ...]]  # entropy (bits) of the yes/no answer, given the cause


_tables: dict[int, Tables] = {}


def tables(kb: KnowledgeBase) -> Tables:
    """The tables of `kb`, built on first use (a few of the latest knowledge bases are kept)."""
    found = _tables.get(id(kb))
    if found is not None and found.kb is kb:
        return found
    present = {
        finding.id: tuple(finding.likelihood[c] for c in CAUSE_IDS)
        for finding in kb.findings.values()
        if finding.likelihood is not None
    }
    built = Tables(
        kb=kb,
        log_prior=tuple(math.log(kb.causes[c].prior) for c in CAUSE_IDS),
        present=present,
        log_present={key: tuple(math.log(p) for p in row) for key, row in present.items()},
        log_absent={key: tuple(math.log(1.0 - p) for p in row) for key, row in present.items()},
        answer_entropy={key: tuple(binary_entropy(p) for p in row) for key, row in present.items()},
    )
    if len(_tables) >= _CACHED:
        _tables.clear()
    _tables[id(kb)] = built
    return built


def binary_entropy(p: float) -> float:
    """Entropy (bits) of a yes/no answer that is yes with chance `p`."""
    if p <= 0.0 or p >= 1.0:
        return 0.0
    return -(p * math.log2(p) + (1.0 - p) * math.log2(1.0 - p))
