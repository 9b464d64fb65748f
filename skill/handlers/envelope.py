"""Reads an Alexa request envelope forward-compatibly: a value the SDK does not know yet is left out, not fatal.

Alexa adds enum values (a new `dialogState`, `confirmationStatus` or session-ended reason) and request types
before the SDK's model knows them, and the SDK's deserializer then refuses the whole envelope. Only when it does,
the envelope is read again with every unknown enum value and unknown polymorphic object left out (read as None),
and a request of an unknown type becomes an `UnknownRequest` that keeps its type name, id, time and locale.
"""

from __future__ import annotations

import importlib
import json
import re
from enum import Enum
from typing import Any, Final

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_core.utils import get_locale
from ask_sdk_model import Context, Request, RequestEnvelope
from ask_sdk_model.interfaces.system import SystemState

__all__ = ["UnknownRequest", "event_locale", "read_envelope", "request_locale", "request_type"]

_UNKNOWN: Final = object()  # marks a value the model has no type for; its key is left out
_DICT_TYPE: Final = re.compile(r"dict\(([^,]*), (.*)\)")
_NATIVE_TYPES: Final = frozenset(DefaultSerializer.NATIVE_TYPES_MAPPING)


class UnknownRequest(Request):
    """A request of a type newer than the SDK: only the fields every request has."""

    def __init__(self, object_type: str, request_id: str | None, timestamp: Any, locale: str | None) -> None:
        super().__init__(object_type=object_type, request_id=request_id, timestamp=timestamp, locale=locale)


def request_type(event: object) -> str | None:
    """The raw `request.type` of an event, whatever else it holds."""
    request = event.get("request") if isinstance(event, dict) else None
    kind = request.get("type") if isinstance(request, dict) else None
    return kind if isinstance(kind, str) else None


def event_locale(event: object) -> str | None:
    """The raw `request.locale` of an event ("en-GB"), whatever else it holds; for words when it cannot be read."""
    request = event.get("request") if isinstance(event, dict) else None
    locale = request.get("locale") if isinstance(request, dict) else None
    return locale if isinstance(locale, str) else None


def request_locale(handler_input: HandlerInput) -> str | None:
    """The request's locale ("en-GB"), read with ask-sdk's helper; None when the request has none."""
    locale = get_locale(handler_input)
    return locale if isinstance(locale, str) and locale else None


def read_envelope(serializer: DefaultSerializer, event: dict[str, Any]) -> Any:
    """The envelope as the SDK reads it; if the SDK refuses it, read again without the values it cannot know.

    Raises what the SDK raises when even the lenient reading fails, or ValueError when there is no request.
    """
    try:
        envelope = serializer.deserialize(payload=json.dumps(event), obj_type=RequestEnvelope)
    except Exception:
        envelope = serializer.deserialize(
            payload=json.dumps(_known_only(event, RequestEnvelope)), obj_type=RequestEnvelope
        )
        if envelope is not None and envelope.request is None:
            envelope.request = _plain_request(serializer, event)
    if envelope is None or envelope.request is None:
        raise ValueError("the event has no request")
    if envelope.context is None or envelope.context.system is None:
        envelope.context = Context(system=SystemState())  # the SDK's skill reads context.System on every call
    return envelope


def _plain_request(serializer: DefaultSerializer, event: dict[str, Any]) -> Any:
    """A request of a type the SDK does not know, with the fields every request has; None without a type."""
    kind = request_type(event)
    if kind is None:
        return None
    raw: dict[str, Any] = event["request"]
    stamp = raw.get("timestamp")
    return UnknownRequest(
        object_type=kind,
        request_id=raw.get("requestId") if isinstance(raw.get("requestId"), str) else None,
        timestamp=serializer.deserialize(json.dumps(stamp), "datetime") if isinstance(stamp, str) else None,
        locale=raw.get("locale") if isinstance(raw.get("locale"), str) else None,
    )


def _known_only(payload: Any, spec: Any) -> Any:
    """`payload` without the enum values and polymorphic objects the model type `spec` does not know."""
    if payload is None:
        return None
    if isinstance(spec, str):
        if spec.startswith("list["):
            inner = spec[5:-1]
            if not isinstance(payload, list) or "," in inner:
                return payload
            items = [_known_only(item, inner) for item in payload]
            return [item for item in items if item is not _UNKNOWN]
        if spec.startswith("dict("):
            match = _DICT_TYPE.fullmatch(spec)
            if match is None or not isinstance(payload, dict):
                return payload
            values = {key: _known_only(value, match.group(2)) for key, value in payload.items()}
            return {key: value for key, value in values.items() if value is not _UNKNOWN}
        if spec in _NATIVE_TYPES:
            return payload
        spec = _model_class(spec)
    if isinstance(spec, type) and issubclass(spec, Enum):
        try:
            spec(payload)
        except (ValueError, TypeError):
            return _UNKNOWN
        return payload
    if not isinstance(payload, dict) or not hasattr(spec, "deserialized_types"):
        return payload
    if hasattr(spec, "get_real_child_model"):
        try:
            child = spec.get_real_child_model(payload)
        except (KeyError, TypeError):
            child = None
        if not child:
            return _UNKNOWN
        spec = _model_class(child)
    names = getattr(spec, "attribute_map", {})
    known = dict(payload)
    for attribute, attribute_type in spec.deserialized_types.items():
        key = names.get(attribute, attribute)
        if key in known:
            value = _known_only(known[key], attribute_type)
            if value is _UNKNOWN:
                del known[key]
            else:
                known[key] = value
    return known


def _model_class(name: str) -> Any:
    module, _, class_name = name.rpartition(".")
    return getattr(importlib.import_module(module), class_name)
