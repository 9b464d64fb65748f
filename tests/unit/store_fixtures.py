"""Helpers shared by the history store tests: a settable clock, fake AWS credentials, the history table."""

from __future__ import annotations

import datetime
import functools
from typing import Any

import boto3

from skill.persistence.dynamodb import ATTRIBUTE_DEFINITIONS, KEY_SCHEMA, TTL_ATTRIBUTE

__all__ = ["REGION", "TABLE_NAME", "FakeClock", "create_history_table", "fake_session"]

REGION = "eu-west-1"
TABLE_NAME = "muscle-coach-history"


class FakeClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, now: datetime.datetime) -> None:
        self.now = now

    def __call__(self) -> datetime.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += datetime.timedelta(**delta)


@functools.cache
def fake_session() -> boto3.Session:
    """A session with fake credentials and a region of its own: nothing read from the environment or ~/.aws.

    One per test run: sessions load service models, which is slow, and are only used from the main thread.
    """
    return boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)


def create_history_table(resource: Any, name: str = TABLE_NAME) -> Any:
    """The table the SAM template declares: pk/sk strings, on-demand, TTL on expires_at."""
    table = resource.create_table(
        TableName=name,
        KeySchema=list(KEY_SCHEMA),
        AttributeDefinitions=list(ATTRIBUTE_DEFINITIONS),
        BillingMode="PAY_PER_REQUEST",
    )
    table.meta.client.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE}
    )
    return table
