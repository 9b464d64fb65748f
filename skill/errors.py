"""The project's one error tree: every error Muscle Coach raises derives from MuscleCoachError.

Users never see these messages; handlers turn them into a kind sentence and logs keep the detail.
"""

from __future__ import annotations

__all__ = [
    "FactError",
    "KnowledgeError",
    "MuscleCoachError",
    "PhraseError",
    "RequestVerificationError",
    "StoreError",
]


class MuscleCoachError(Exception):
    """Base of every error the project raises on purpose."""


class KnowledgeError(MuscleCoachError):
    """The knowledge base is missing, malformed or inconsistent (names the file, the entry and the problem)."""


class PhraseError(MuscleCoachError):
    """A phrase file is missing, malformed, or says what the base phrases do not (names the file and phrase)."""


class FactError(MuscleCoachError):
    """A fact handed to the engine is unknown or out of range."""


class StoreError(MuscleCoachError):
    """The history store could not read or write (the turn goes on without history)."""


class RequestVerificationError(MuscleCoachError):
    """An HTTP request did not prove that it comes from Alexa for this skill."""
