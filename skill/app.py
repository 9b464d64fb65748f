"""The composition root: environment -> knowledge base, history store, skill -> `lambda_handler`.

The only module that reads the environment. AWS objects are built only when TABLE_NAME is set: then, on Lambda,
during the init phase (at import), which runs with more CPU than a 256 MB handler; otherwise on first use.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import os
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder, SkillBuilder

from skill.handlers import build_handlers
from skill.handlers.envelope import event_locale, read_envelope, request_type
from skill.handlers.local_time import UTC_ZONE, DeviceTimeZones, FixedTimeZone, TimeZones, zone_named
from skill.knowledge import load_knowledge_base
from skill.persistence import Clock, HistoryStore, UnreachableHistoryStore, utc_now
from skill.speech import LAST_RESORT, render_fault, to_ssml

__all__ = [
    "ENV_HOME",
    "ENV_SKILL_ID",
    "ENV_TABLE",
    "ENV_TIME_ZONE",
    "build_skill",
    "configured_time_zone",
    "default_home",
    "handle_event",
    "lambda_handler",
]

ENV_SKILL_ID = "SKILL_ID"
ENV_TABLE = "TABLE_NAME"
ENV_HOME = "MUSCLE_COACH_HOME"
ENV_LOG_LEVEL = "LOG_LEVEL"
ENV_TIME_ZONE = "MUSCLE_COACH_TIME_ZONE"
_DB_NAME = "history.sqlite3"

# The DynamoDB client's limits, whatever AWS_RETRY_MODE or AWS_MAX_ATTEMPTS say: botocore's defaults (60 s
# timeouts; in legacy mode ten attempts for DynamoDB) let one call outlast Alexa's 8 s. The turn's own budget
# (skill.handlers.history.STORE_BUDGET_SECONDS) caps every turn's store calls in any case.
DYNAMODB_CONNECT_TIMEOUT_SECONDS = 1.0
DYNAMODB_READ_TIMEOUT_SECONDS = 1.5
DYNAMODB_MAX_ATTEMPTS = 3

log = logging.getLogger(__name__)


def _log_level(configured: str | None) -> int:
    """LOG_LEVEL as a logging level (a name such as DEBUG or a number); INFO, with a warning, when unknown."""
    if not configured:
        return logging.INFO
    text = configured.strip().upper()
    level = int(text) if text.isdigit() else logging.getLevelNamesMapping().get(text)
    if level is None:
        log.warning("%s=%r is not a logging level; logging at INFO", ENV_LOG_LEVEL, configured)
        return logging.INFO
    return level


logging.getLogger().setLevel(_log_level(os.environ.get(ENV_LOG_LEVEL)))

_NO_SPEECH: dict[str, Any] = {"version": "1.0", "response": {}}


def configured_skill_id() -> str | None:
    """The skill id requests must carry, when SKILL_ID is set."""
    return os.environ.get(ENV_SKILL_ID) or None


def default_home() -> Path:
    """Where the embedded store lives: MUSCLE_COACH_HOME, else a per-user data directory."""
    configured = os.environ.get(ENV_HOME)
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "muscle-coach"


def build_store() -> HistoryStore:
    """DynamoDB when TABLE_NAME is set (boto3 imported only then), else the embedded SQLite store.

    When TABLE_NAME is set but the DynamoDB client cannot be built (boto3 missing, no region), the failure is
    logged and the store is one that cannot be reached: every request still gets its answer, and a user's
    history there is said to be unreachable, never absent.
    """
    kb = load_knowledge_base()
    retention = timedelta(days=kb.retention_days)
    table_name = os.environ.get(ENV_TABLE)
    if table_name:
        return _dynamodb_store(table_name, retention)
    from skill.persistence.sqlite import SqliteHistoryStore

    return SqliteHistoryStore(default_home() / _DB_NAME, retention=retention)


def _dynamodb_store(table_name: str, retention: timedelta) -> HistoryStore:
    try:
        import boto3
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError

        from skill.persistence.dynamodb import DynamoDbHistoryStore
    except ImportError:
        log.error("%s is set but boto3 is not installed: going on without history", ENV_TABLE)
        return UnreachableHistoryStore(f"{ENV_TABLE} is set but boto3 is not installed")
    config = Config(
        connect_timeout=DYNAMODB_CONNECT_TIMEOUT_SECONDS,
        read_timeout=DYNAMODB_READ_TIMEOUT_SECONDS,
        retries={"mode": "standard", "total_max_attempts": DYNAMODB_MAX_ATTEMPTS},
    )
    try:
        table = boto3.resource("dynamodb", config=config).Table(table_name)
    except BotoCoreError as exc:  # no region configured, an invalid endpoint, ...
        log.error("cannot reach DynamoDB table %s (%s): going on without history", table_name, exc)
        return UnreachableHistoryStore(f"the DynamoDB client for {table_name} could not be built: {exc}")
    return DynamoDbHistoryStore(table, retention=retention)


def configured_time_zone() -> dt.tzinfo | None:
    """The zone MUSCLE_COACH_TIME_ZONE names for every user (local runs), or None: ask each device's zone."""
    name = os.environ.get(ENV_TIME_ZONE)
    if not name:
        return None
    zone = zone_named(name)
    if zone is None:
        log.warning("%s=%r is not a time zone this system knows; using UTC", ENV_TIME_ZONE, name)
        return UTC_ZONE
    return zone


def build_skill(
    store: HistoryStore | None = None, time_zone: dt.tzinfo | None = None, *, clock: Clock = utc_now
) -> CustomSkill:
    """The skill object shared by Lambda, `invoke`, `chat` and `serve`; `clock` is the server's (UTC) time.

    Days are counted in `time_zone`, else in the zone MUSCLE_COACH_TIME_ZONE names, else in each device's own
    zone, asked of the Alexa Settings API with ask-sdk's service client (a short timeout; UTC when it fails).
    """
    zone = time_zone or configured_time_zone()
    time_zones: TimeZones
    if zone is not None:
        builder = SkillBuilder()
        time_zones = FixedTimeZone(zone)
    else:
        from skill.handlers.settings_api import TimeLimitedApiClient

        builder = CustomSkillBuilder(api_client=TimeLimitedApiClient())
        time_zones = DeviceTimeZones()
    request_handlers, exception_handlers = build_handlers(load_knowledge_base(), store, time_zones, clock)
    for handler in request_handlers:
        builder.add_request_handler(handler)
    for handler in exception_handlers:
        builder.add_exception_handler(handler)
    return builder.create()


@lru_cache(maxsize=1)
def _skill() -> CustomSkill:
    return build_skill(build_store())


def handle_event(event: dict[str, Any], skill: CustomSkill | None = None) -> dict[str, Any]:
    """One Alexa request envelope in, one response envelope out; never raises for bad input.

    A SessionEndedRequest never gets speech, even when it cannot be read or the skill fails on it.
    """
    skill = skill or _skill()
    refusal = _refusal(event, configured_skill_id())
    if refusal:
        log.warning("refused a request: %s", refusal)
        return {"version": "1.0", "response": {"shouldEndSession": True}}
    try:
        envelope = read_envelope(skill.serializer, event)
    except Exception as exc:
        log.warning("malformed request event: %s", exc)
        log.debug("malformed request event", exc_info=True)
        return _failed(event)
    try:
        response = skill.invoke(request_envelope=envelope, context=None)
    except Exception:
        log.exception("the skill failed to answer a request")
        return _failed(event)
    result = skill.serializer.serialize(response)
    return result if isinstance(result, dict) else _failed(event)


def _failed(event: dict[str, Any]) -> dict[str, Any]:
    """The response to a request the skill cannot read or answer: an apology in the request's locale, or no
    speech at all for a SessionEndedRequest, which Alexa allows none."""
    if request_type(event) == "SessionEndedRequest":
        return copy.deepcopy(_NO_SPEECH)
    locale = event_locale(event)
    try:
        speech = render_fault(load_knowledge_base(), "unreadable", locale).speech
    except Exception:  # the words themselves cannot be loaded: the one sentence speech keeps in code
        log.exception("the phrase books cannot be read")
        speech = LAST_RESORT
    return {
        "version": "1.0",
        "response": {"outputSpeech": {"type": "SSML", "ssml": to_ssml(speech)}, "shouldEndSession": True},
    }


def lambda_handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """AWS Lambda entry point (see lambda/lambda_function.py)."""
    return handle_event(event)


def _refusal(event: Any, expected: str | None) -> str | None:
    """Why a request must not reach the skill: it names two different skills, or not this one; else None."""
    in_context = _get(event, "context", "System", "application", "applicationId")
    in_session = _get(event, "session", "application", "applicationId")
    if isinstance(in_context, str) and isinstance(in_session, str) and in_context != in_session:
        return "its session and its context name different skills"
    named = in_context if isinstance(in_context, str) else in_session
    if expected and named != expected:
        return "it is for another skill"
    return None


def _get(node: Any, *path: str) -> Any:
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return node


if os.environ.get(ENV_TABLE):
    # Lambda's init phase: import boto3 and build the DynamoDB client now, not in the first user's turn.
    _skill()
