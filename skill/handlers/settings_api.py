"""The ApiClient for Alexa's service APIs: ask-sdk's DefaultApiClient with a timeout; imported only when used.

The default client calls `requests` without a timeout, so a slow Settings API would hold the turn until Alexa
gives up. Importing it loads `requests`, which is why only the skill that asks the API imports this module.
"""

from __future__ import annotations

import functools
from typing import Any, Final

from ask_sdk_core.api_client import DefaultApiClient

__all__ = ["SETTINGS_API_TIMEOUT", "TimeLimitedApiClient"]

# (connect, read) seconds: one call per session, so the worst case costs a turn about a second.
SETTINGS_API_TIMEOUT: Final = (0.5, 0.5)


class TimeLimitedApiClient(DefaultApiClient):
    """DefaultApiClient whose every call gives up after `timeout` (connect, read) seconds, with no retry."""

    def __init__(self, timeout: tuple[float, float] = SETTINGS_API_TIMEOUT) -> None:
        self.timeout = timeout

    def _resolve_method(self, request: Any) -> Any:
        return functools.partial(super()._resolve_method(request), timeout=self.timeout)
