"""Importing the persistence package stays cheap: no backend, and above all no boto3, until one is asked for."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ["boto3", "botocore", "sqlite3", "skill.persistence.dynamodb", "skill.persistence.sqlite"]


def modules_loaded_after(code: str) -> dict[str, bool]:
    """Run ``code`` in a fresh interpreter; which of HEAVY it left in sys.modules."""
    probe = (
        f"{code}\nimport json, sys\nprint(json.dumps({{name: name in sys.modules for name in {HEAVY!r}}}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    loaded: dict[str, bool] = json.loads(done.stdout.splitlines()[-1])
    return loaded


def test_importing_the_package_imports_no_backend() -> None:
    loaded = modules_loaded_after(
        "import skill.persistence\nfrom skill.persistence import Episode, HistoryStore"
    )

    assert not any(loaded.values()), loaded


def test_the_sqlite_store_does_not_pull_in_boto3() -> None:
    loaded = modules_loaded_after("from skill.persistence import SqliteHistoryStore")

    assert loaded["sqlite3"]
    assert not loaded["boto3"]
    assert not loaded["botocore"]


def test_the_dynamodb_store_is_imported_when_asked_for() -> None:
    loaded = modules_loaded_after("import skill.persistence as p\np.DynamoDbHistoryStore")

    assert loaded["boto3"]
    assert loaded["skill.persistence.dynamodb"]
    assert not loaded["sqlite3"]


def test_an_unknown_name_is_an_attribute_error() -> None:
    import skill.persistence

    with pytest.raises(AttributeError, match="RedisHistoryStore"):
        skill.persistence.RedisHistoryStore  # noqa: B018
