"""Data validated at build time and shipped pickled, so that the Lambda cold path imports neither yaml nor
pydantic: the knowledge base (skill/knowledge) and the phrase books (skill/speech)."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import TypeVar

from skill.errors import MuscleCoachError

__all__ = ["read_compiled", "write_compiled"]

_PICKLE_PROTOCOL = 5
T = TypeVar("T")


def read_compiled(path: Path, kind: type[T], error: type[MuscleCoachError]) -> T | None:
    """The `kind` object `write_compiled` stored at `path`; None when there is no such file. Raises `error`
    (naming the file) when the file cannot be read or holds something else."""
    if not path.is_file():
        return None
    try:
        with path.open("rb") as handle:
            value = pickle.load(handle)
    except Exception as exc:
        raise error(f"{path}: the compiled form cannot be read: {exc}") from exc
    if not isinstance(value, kind):
        raise error(f"{path}: does not hold a {kind.__name__}")
    return value


def write_compiled(value: object, path: Path) -> Path:
    """Store `value` at `path` (its directory created) for `read_compiled`; returns `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(value, protocol=_PICKLE_PROTOCOL))
    return path
