"""What the DynamoDB store adds to the contract: the exact item layout, TTL, paginated loads."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from botocore.stub import ANY, Stubber
from moto import mock_aws

from skill.persistence import DynamoDbHistoryStore, Episode, UserHistory

try:
    from .store_fixtures import TABLE_NAME, FakeClock, create_history_table, fake_session
except ImportError:  # tests/unit is not a package
    from store_fixtures import TABLE_NAME, FakeClock, create_history_table, fake_session

NOW = datetime.datetime(2025, 6, 30, 12, 0, tzinfo=datetime.UTC)
USER = "amzn1.ask.account.AF3X7EXAMPLE"


@pytest.fixture
def table() -> Iterator[Any]:
    with mock_aws():
        yield create_history_table(fake_session().resource("dynamodb"))


def test_items_hold_exactly_the_declared_layout_and_nothing_more(table: Any) -> None:
    store = DynamoDbHistoryStore(table, retention=datetime.timedelta(days=30), clock=FakeClock(NOW))
    store.mark_disclaimer_heard(USER)
    store.set_consent(USER, True)
    store.append_episode(USER, Episode(NOW.date(), ("calf", "hamstring"), "caffeine", "doctor"))
    store.append_episode(USER, Episode(datetime.date(2025, 6, 20), (), None, "urgent"))

    items = sorted(table.scan(ConsistentRead=True)["Items"], key=lambda item: item["sk"])

    assert [item["pk"] for item in items] == [f"USER#{USER}"] * 3
    first, second, profile = items
    assert profile == {"pk": f"USER#{USER}", "sk": "PROFILE", "consent": True, "disclaimer_heard": True}
    assert re.fullmatch(r"EPISODE#2025-06-20#[0-9a-f]{32}", first["sk"])
    # No cause: the attribute is absent. Expiry: end of the day (UTC) plus the retention.
    assert {k: v for k, v in first.items() if k not in ("pk", "sk")} == {
        "day": "2025-06-20",
        "muscles": [],
        "triage": "urgent",
        "expires_at": Decimal(int(datetime.datetime(2025, 7, 21, tzinfo=datetime.UTC).timestamp())),
    }
    assert re.fullmatch(r"EPISODE#2025-06-30#[0-9a-f]{32}", second["sk"])
    assert {k: v for k, v in second.items() if k not in ("pk", "sk")} == {
        "day": "2025-06-30",
        "muscles": ["calf", "hamstring"],
        "cause": "caffeine",
        "triage": "doctor",
        "expires_at": Decimal(int(datetime.datetime(2025, 7, 31, tzinfo=datetime.UTC).timestamp())),
    }


def test_items_past_their_ttl_are_not_loaded_before_dynamodb_deletes_them(table: Any) -> None:
    clock = FakeClock(NOW)
    short = DynamoDbHistoryStore(table, retention=datetime.timedelta(days=7), clock=clock)
    short.append_episode(USER, Episode(NOW.date(), ("calf",), "fatigue", "self_care"))
    clock.advance(days=8)
    # Written under a 7-day retention: a store now keeping 180 days still honours the item's expires_at.
    longer = DynamoDbHistoryStore(table, clock=clock)

    assert len(table.scan(ConsistentRead=True)["Items"]) == 1
    assert longer.load(USER).episodes == ()


def test_a_shorter_retention_applies_at_once_to_episodes_written_under_a_longer_one(table: Any) -> None:
    clock = FakeClock(NOW)
    DynamoDbHistoryStore(table, clock=clock).append_episode(
        USER, Episode(NOW.date(), ("calf",), None, "doctor")
    )
    clock.advance(days=20)

    shorter = DynamoDbHistoryStore(table, retention=datetime.timedelta(days=14), clock=clock)

    assert shorter.load(USER).episodes == ()


def test_a_history_spread_over_several_pages_is_loaded_whole() -> None:
    table = fake_session().resource("dynamodb").Table(TABLE_NAME)
    store = DynamoDbHistoryStore(table, clock=FakeClock(NOW))
    pk = {"S": f"USER#{USER}"}

    def episode_item(day: str, muscle: str) -> dict[str, Any]:
        return {
            "pk": pk,
            "sk": {"S": f"EPISODE#{day}#{muscle}"},
            "day": {"S": day},
            "muscles": {"L": [{"S": muscle}]},
            "triage": {"S": "self_care"},
            "expires_at": {"N": "4102444800"},
        }

    page_end = {"pk": pk, "sk": {"S": "EPISODE#2025-06-21#calf"}}
    with Stubber(table.meta.client) as stubber:
        stubber.add_response(
            "query",
            {
                "Items": [episode_item("2025-06-20", "biceps"), episode_item("2025-06-21", "calf")],
                "LastEvaluatedKey": page_end,
            },
            {
                "TableName": TABLE_NAME,
                "KeyConditionExpression": "#pk = :pk",
                "ExpressionAttributeNames": {"#pk": "pk"},
                "ExpressionAttributeValues": {":pk": f"USER#{USER}"},  # before the resource serialises it
                "ConsistentRead": True,
            },
        )
        stubber.add_response(
            "query",
            {
                "Items": [
                    episode_item("2025-06-29", "forearm"),
                    {"pk": pk, "sk": {"S": "PROFILE"}, "consent": {"BOOL": True}},
                ]
            },
            {
                "TableName": TABLE_NAME,
                "KeyConditionExpression": ANY,
                "ExpressionAttributeNames": ANY,
                "ExpressionAttributeValues": ANY,
                "ConsistentRead": True,
                "ExclusiveStartKey": {"pk": f"USER#{USER}", "sk": "EPISODE#2025-06-21#calf"},
            },
        )
        history = store.load(USER)
        stubber.assert_no_pending_responses()

    assert history == UserHistory(
        consent=True,
        disclaimer_heard=False,
        episodes=(
            Episode(datetime.date(2025, 6, 20), ("biceps",), None, "self_care"),
            Episode(datetime.date(2025, 6, 21), ("calf",), None, "self_care"),
            Episode(datetime.date(2025, 6, 29), ("forearm",), None, "self_care"),
        ),
    )
