"""Faults moto cannot make (throttling, timeouts, a missing table, lost answers): StoreError, nothing half-written."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectTimeoutError, ReadTimeoutError
from botocore.stub import Stubber
from moto import mock_aws

from skill.errors import StoreError
from skill.persistence import NO_HISTORY, DynamoDbHistoryStore, Episode, HistoryStore, UserHistory

try:
    from .store_fixtures import TABLE_NAME, FakeClock, create_history_table, fake_session
except ImportError:  # tests/unit is not a package
    from store_fixtures import TABLE_NAME, FakeClock, create_history_table, fake_session

NOW = datetime.datetime(2025, 6, 30, 12, 0, tzinfo=datetime.UTC)
USER = "amzn1.ask.account.AF3X7EXAMPLE"
CALF = Episode(day=NOW.date(), muscles=("calf",), cause="fatigue", triage="self_care")
THIGH = Episode(day=NOW.date(), muscles=("quadriceps",), cause="dehydration", triage="doctor")
# Retries off: a fault reaches the store on the first attempt and the tests stay fast.
NO_RETRIES = Config(retries={"total_max_attempts": 1})

# Each store method and the DynamoDB operation it starts with.
CALLS: dict[str, tuple[Callable[[HistoryStore], object], str]] = {
    "load": (lambda s: s.load(USER), "query"),
    "mark_disclaimer_heard": (lambda s: s.mark_disclaimer_heard(USER), "update_item"),
    "set_consent(True)": (lambda s: s.set_consent(USER, True), "update_item"),
    "set_consent(False)": (lambda s: s.set_consent(USER, False), "update_item"),
    "append_episode": (lambda s: s.append_episode(USER, CALF), "put_item"),
    "delete_user": (lambda s: s.delete_user(USER), "query"),
}
SERVICE_ERRORS = ["ProvisionedThroughputExceededException", "ResourceNotFoundException"]
TIMEOUTS = [ReadTimeoutError, ConnectTimeoutError]


@pytest.fixture
def offline_table() -> Any:
    """A table resource that never reaches a network: every call is answered by a Stubber or a send hook."""
    return fake_session().resource("dynamodb", config=NO_RETRIES).Table(TABLE_NAME)


@pytest.fixture
def moto_table() -> Iterator[Any]:
    with mock_aws():
        yield create_history_table(fake_session().resource("dynamodb", config=NO_RETRIES))


def fail_sends(
    table: Any, operation: str, error: type[Exception], *, after: int = 0, times: int = 1_000_000
) -> list[str]:
    """Let ``after`` HTTP sends of an operation through, then fail ``times`` like the network does.

    Returns the URLs of the failed sends.
    """
    sent: list[str] = []
    failed: list[str] = []

    def send(request: Any, **_: Any) -> None:
        sent.append(request.url)
        if after < len(sent) <= after + times:
            failed.append(request.url)
            raise error(endpoint_url=request.url)

    # First, ahead of moto's own send hook, exactly where a real timeout would surface.
    table.meta.client.meta.events.register_first(f"before-send.dynamodb.{operation}", send)
    return failed


@pytest.mark.parametrize("code", SERVICE_ERRORS)
@pytest.mark.parametrize(("call", "operation"), CALLS.values(), ids=CALLS.keys())
def test_a_service_error_on_any_method_is_a_store_error(
    offline_table: Any, call: Callable[[HistoryStore], object], operation: str, code: str
) -> None:
    store = DynamoDbHistoryStore(offline_table, clock=FakeClock(NOW))
    with Stubber(offline_table.meta.client) as stubber:
        stubber.add_client_error(operation, service_error_code=code, http_status_code=400)
        with pytest.raises(StoreError) as raised:
            call(store)
        stubber.assert_no_pending_responses()

    cause = raised.value.__cause__
    assert isinstance(cause, ClientError)
    assert cause.response["Error"]["Code"] == code


@pytest.mark.parametrize("timeout", TIMEOUTS)
@pytest.mark.parametrize(("call", "operation"), CALLS.values(), ids=CALLS.keys())
def test_a_timeout_on_any_method_is_a_store_error(
    offline_table: Any, call: Callable[[HistoryStore], object], operation: str, timeout: type[Exception]
) -> None:
    operation_name = "".join(part.title() for part in operation.split("_"))  # put_item -> PutItem
    failed = fail_sends(offline_table, operation_name, timeout)
    store = DynamoDbHistoryStore(offline_table, clock=FakeClock(NOW))

    with pytest.raises(StoreError) as raised:
        call(store)

    assert isinstance(raised.value.__cause__, timeout)
    assert len(failed) == 1


@pytest.mark.parametrize(
    ("call", "steps"),
    [
        (lambda s: s.set_consent(USER, False), ["update_item", "query", "batch_write_item"]),
        (lambda s: s.delete_user(USER), ["query", "batch_write_item"]),
    ],
    ids=["set_consent(False)", "delete_user"],
)
def test_throttling_in_a_later_step_is_a_store_error_too(
    offline_table: Any, call: Callable[[HistoryStore], object], steps: list[str]
) -> None:
    store = DynamoDbHistoryStore(offline_table, clock=FakeClock(NOW))
    one_episode = {"Items": [{"pk": {"S": f"USER#{USER}"}, "sk": {"S": "EPISODE#2025-06-30#0f"}}]}
    with Stubber(offline_table.meta.client) as stubber:
        for step in steps[:-1]:
            stubber.add_response(step, one_episode if step == "query" else {})
        stubber.add_client_error(steps[-1], service_error_code="ProvisionedThroughputExceededException")
        with pytest.raises(StoreError) as raised:
            call(store)
        stubber.assert_no_pending_responses()

    assert isinstance(raised.value.__cause__, ClientError)


@pytest.mark.parametrize(
    "fault", ["ProvisionedThroughputExceededException", ConnectTimeoutError, ReadTimeoutError]
)
def test_a_failed_append_writes_nothing_and_the_next_one_is_stored(moto_table: Any, fault: Any) -> None:
    store = DynamoDbHistoryStore(moto_table, clock=FakeClock(NOW))
    store.set_consent(USER, True)

    if isinstance(fault, str):
        with Stubber(
            moto_table.meta.client
        ) as stubber:  # only the PutItem is answered: one request, no other
            stubber.add_client_error("put_item", service_error_code=fault)
            with pytest.raises(StoreError):
                store.append_episode(USER, CALF)
            stubber.assert_no_pending_responses()
    else:
        fail_sends(moto_table, "PutItem", fault, times=1)
        with pytest.raises(StoreError):
            store.append_episode(USER, CALF)

    assert [item["sk"] for item in moto_table.scan(ConsistentRead=True)["Items"]] == ["PROFILE"]
    store.append_episode(USER, THIGH)
    assert store.load(USER) == UserHistory(consent=True, disclaimer_heard=False, episodes=(THIGH,))


class FirstAnswerLost:
    """A table whose PutItem lands but whose answer is lost, so it is sent again, as botocore retries do."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def __getattr__(self, name: str) -> Any:
        return getattr(self._table, name)

    def put_item(self, **request: Any) -> Any:
        self._table.put_item(**request)  # applied, answer lost
        return self._table.put_item(**request)  # the retry: its condition fails, the item is already there


class KeyAlreadyTaken(FirstAnswerLost):
    """A table where another item already holds the key of the new episode."""

    def put_item(self, **request: Any) -> Any:
        self._table.put_item(Item={**request["Item"], "muscles": ["forearm"]})
        return self._table.put_item(**request)


def test_a_retried_append_whose_first_attempt_landed_is_stored_once(moto_table: Any) -> None:
    store = DynamoDbHistoryStore(FirstAnswerLost(moto_table), clock=FakeClock(NOW))

    store.append_episode(USER, CALF)

    assert store.load(USER).episodes == (CALF,)


def test_an_append_never_overwrites_an_item_that_holds_its_key(moto_table: Any) -> None:
    store = DynamoDbHistoryStore(KeyAlreadyTaken(moto_table), clock=FakeClock(NOW))

    with pytest.raises(StoreError) as raised:
        store.append_episode(USER, CALF)

    assert isinstance(raised.value.__cause__, ClientError)
    assert [ep.muscles for ep in store.load(USER).episodes] == [("forearm",)]


@pytest.mark.parametrize("timeout", TIMEOUTS)
def test_an_interrupted_deletion_keeps_the_profile_and_a_retry_finishes_it(
    moto_table: Any, timeout: Any
) -> None:
    store = DynamoDbHistoryStore(moto_table, clock=FakeClock(NOW))
    store.mark_disclaimer_heard(USER)
    store.set_consent(USER, True)
    for _ in range(40):  # two batches of deletes: the second one fails
        store.append_episode(USER, CALF)
    failed = fail_sends(moto_table, "BatchWriteItem", timeout, after=1, times=1)

    with pytest.raises(StoreError):
        store.delete_user(USER)

    assert len(failed) == 1
    survivor = store.load(USER)
    assert len(survivor.episodes) == 40 - 25  # the first batch of 25 deletes went through
    assert (survivor.consent, survivor.disclaimer_heard) == (True, True)  # still a known user to delete again
    store.delete_user(USER)
    assert moto_table.scan(ConsistentRead=True)["Items"] == []
    assert store.load(USER) == NO_HISTORY


def test_declining_consent_records_the_answer_before_deleting_episodes(moto_table: Any) -> None:
    store = DynamoDbHistoryStore(moto_table, clock=FakeClock(NOW))
    store.set_consent(USER, True)
    for _ in range(3):
        store.append_episode(USER, CALF)
    fail_sends(moto_table, "BatchWriteItem", ConnectTimeoutError, times=1)

    with pytest.raises(StoreError):
        store.set_consent(USER, False)

    assert store.load(USER).consent is False  # no device appends any more
    store.set_consent(USER, False)
    assert store.load(USER) == UserHistory(consent=False, disclaimer_heard=False, episodes=())
