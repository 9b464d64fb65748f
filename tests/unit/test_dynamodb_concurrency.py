"""Eight devices of one user write at once to DynamoDB (moto's standalone server over HTTP): nothing is lost."""

from __future__ import annotations

import collections
import datetime
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from moto.server import ThreadedMotoServer

from skill.persistence import DynamoDbHistoryStore, Episode

try:
    from .store_fixtures import TABLE_NAME, FakeClock, create_history_table, fake_session
except ImportError:  # tests/unit is not a package
    from store_fixtures import TABLE_NAME, FakeClock, create_history_table, fake_session

DEVICES = 8
EPISODES_PER_DEVICE = 50
USER = "amzn1.ask.account.AF3X7EXAMPLE"
NOW = datetime.datetime(2025, 6, 30, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def endpoint_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def device_episode(device: int, n: int) -> Episode:
    """Episode n of a device: its own muscle id, a day among the last two weeks, so each one is recognisable."""
    return Episode(
        day=NOW.date() - datetime.timedelta(days=n % 14),
        muscles=(f"muscle_{device}",),
        cause="fatigue",
        triage="self_care",
    )


def test_eight_devices_appending_fifty_episodes_each_lose_none(endpoint_url: str) -> None:
    session = fake_session()
    # One resource (and client) per device, made here: boto3 sessions and resources are not shared across threads.
    resources = [session.resource("dynamodb", endpoint_url=endpoint_url) for _ in range(DEVICES)]
    create_history_table(resources[0])
    stores = [DynamoDbHistoryStore(r.Table(TABLE_NAME), clock=FakeClock(NOW)) for r in resources]
    start = threading.Barrier(DEVICES)

    def device(number: int) -> None:
        store = stores[number]
        start.wait()
        for n in range(EPISODES_PER_DEVICE):
            store.append_episode(USER, device_episode(number, n))
            if n == EPISODES_PER_DEVICE // 2:  # profile updates race with the appends of the other devices
                if number == 0:
                    store.set_consent(USER, True)
                elif number == 1:
                    store.mark_disclaimer_heard(USER)

    with ThreadPoolExecutor(max_workers=DEVICES) as pool:
        for done in [pool.submit(device, number) for number in range(DEVICES)]:
            done.result()

    history = stores[0].load(USER)
    assert len(history.episodes) == DEVICES * EPISODES_PER_DEVICE
    per_device = collections.Counter(episode.muscles for episode in history.episodes)
    assert per_device == {(f"muscle_{d}",): EPISODES_PER_DEVICE for d in range(DEVICES)}
    assert sorted(history.episodes, key=lambda ep: ep.day) == list(history.episodes)
    assert (history.consent, history.disclaimer_heard) == (True, True)
