"""The user's own day: the device's time zone from the Alexa Settings API, kept for the session; UTC without it.

Alexa's request timestamps are UTC, but the user lives by their own calendar: AMAZON.DATE values are local dates,
and "today", "twitching since June 1", the habitual window and the day an episode is stored must be counted in
the device's time zone. Local tools (chat, invoke, tests) use a fixed zone instead of asking the API.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any, Final, NamedTuple, Protocol

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import get_api_access_token, get_device_id

__all__ = [
    "TIME_ZONE_ATTRIBUTE",
    "UTC_ZONE",
    "DeviceTimeZones",
    "FixedTimeZone",
    "LocalZone",
    "TimeZones",
    "local_day",
    "zone_name",
    "zone_named",
]

log = logging.getLogger(__name__)

TIME_ZONE_ATTRIBUTE: Final = "timeZone"  # the session attribute that keeps the zone between turns
UTC_ZONE: Final = dt.UTC  # UTC needs no tz database, nor zoneinfo's import (about 2 ms of a cold start)
_CLOCK_SKEW: Final = dt.timedelta(days=1)  # a device clock can drift, not by a day
_ZONE_NAME: Final = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+){0,2}")


class LocalZone(NamedTuple):
    """The user's time zone for this turn, and the session attributes that carry it to the next turn."""

    zone: dt.tzinfo
    carried: dict[str, str]


class TimeZones(Protocol):
    def zone_of(self, handler_input: HandlerInput) -> LocalZone: ...


class FixedTimeZone:
    """One zone for every user and turn: local tools and tests, which must not call Amazon's API."""

    __slots__ = ("_zone",)

    def __init__(self, zone: dt.tzinfo) -> None:
        self._zone = LocalZone(zone, {})

    def zone_of(self, handler_input: HandlerInput) -> LocalZone:
        return self._zone


class DeviceTimeZones:
    """The device's zone from the Settings API (System.timeZone needs no permission), asked once per session.

    The skill's ApiClient bounds the call; any failure (no token, timeout, error status, an unknown zone name)
    gives UTC, which is then kept for the rest of the session too, so that a slow API costs one turn at most and
    the user's day does not change mid-interview.
    """

    __slots__ = ()

    def zone_of(self, handler_input: HandlerInput) -> LocalZone:
        attributes = handler_input.attributes_manager.session_attributes
        kept = zone_named(attributes.get(TIME_ZONE_ATTRIBUTE)) if attributes else None
        zone = kept or self._ask(handler_input) or UTC_ZONE
        return LocalZone(zone, {TIME_ZONE_ATTRIBUTE: zone_name(zone)})

    @staticmethod
    def _ask(handler_input: HandlerInput) -> dt.tzinfo | None:
        factory = handler_input.service_client_factory
        device_id = get_device_id(handler_input)
        if factory is None or not device_id or not get_api_access_token(handler_input):
            log.info("no device or API access in the request; counting days in UTC")
            return None
        try:
            name: Any = factory.get_ups_service().get_system_time_zone(device_id)
        except Exception as exc:  # the SDK raises ServiceException, ApiClientException or ValueError
            log.warning("could not read the device's time zone, counting days in UTC: %s", exc)
            return None
        zone = zone_named(name)
        if zone is None:
            log.warning("the device's time zone %r is not one this system knows; counting days in UTC", name)
        return zone


def zone_named(name: object) -> dt.tzinfo | None:
    """The IANA zone called `name` (as the Settings API or a session attribute gives it), or None."""
    if name == "UTC":
        return UTC_ZONE
    if not isinstance(name, str) or len(name) > 64 or not _ZONE_NAME.fullmatch(name):
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def zone_name(zone: dt.tzinfo) -> str:
    """The name `zone_named` reads back: the IANA key of a zone it made, "UTC" for UTC."""
    key = getattr(zone, "key", None)
    return key if isinstance(key, str) else "UTC"


def local_day(request: Any, zone: dt.tzinfo, now: dt.datetime | None = None) -> dt.date:
    """The user's date when they spoke: the request's timestamp in their time zone; the server's clock (`now`,
    UTC) instead when the timestamp is missing or more than a day ahead of it (a timestamp in year 9999 must not
    become an episode's day; a replayed request from the past keeps its own day)."""
    now = now or dt.datetime.now(dt.UTC)
    stamp = getattr(request, "timestamp", None)
    if isinstance(stamp, dt.datetime) and stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.UTC)
    if not isinstance(stamp, dt.datetime) or stamp - now > _CLOCK_SKEW:
        if isinstance(stamp, dt.datetime):
            log.info("request timestamp is far from the server's clock; using the server's day")
        stamp = now
    try:
        return stamp.astimezone(zone).date()
    except (OverflowError, ValueError):  # a timestamp at the very end of the calendar
        return stamp.date()
