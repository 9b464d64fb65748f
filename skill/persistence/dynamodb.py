"""The DynamoDB history store on a table passed in; must not create AWS objects or read-modify-write."""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from boto3.exceptions import Boto3Error
from botocore.exceptions import BotoCoreError, ClientError

from skill.errors import StoreError
from skill.persistence.base import (
    DEFAULT_RETENTION,
    NO_HISTORY,
    Clock,
    Episode,
    InvalidEpisodeError,
    UserHistory,
    utc_now,
)
from skill.persistence.records import Retention, describe_problem, episode_from_record, record_of

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table
    from mypy_boto3_dynamodb.type_defs import QueryInputTableQueryTypeDef

__all__ = [
    "ATTRIBUTE_DEFINITIONS",
    "CONSENT_ATTRIBUTE",
    "DISCLAIMER_ATTRIBUTE",
    "EPISODE_SORT_KEY_PREFIX",
    "KEY_SCHEMA",
    "PARTITION_KEY",
    "PROFILE_SORT_KEY",
    "SORT_KEY",
    "TTL_ATTRIBUTE",
    "USER_KEY_PREFIX",
    "DynamoDbHistoryStore",
]

logger = logging.getLogger(__name__)

# The table layout; the SAM template declares exactly these names.
PARTITION_KEY: Final = "pk"  # S: USER#<user_id>
SORT_KEY: Final = "sk"  # S: PROFILE, or EPISODE#<iso date>#<uuid4 hex>
USER_KEY_PREFIX: Final = "USER#"
PROFILE_SORT_KEY: Final = "PROFILE"
EPISODE_SORT_KEY_PREFIX: Final = "EPISODE#"
CONSENT_ATTRIBUTE: Final = "consent"  # BOOL on the profile item
DISCLAIMER_ATTRIBUTE: Final = "disclaimer_heard"  # BOOL on the profile item
TTL_ATTRIBUTE: Final = "expires_at"  # N, epoch seconds, the table's TTL attribute
KEY_SCHEMA: Final = (
    {"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
    {"AttributeName": SORT_KEY, "KeyType": "RANGE"},
)
ATTRIBUTE_DEFINITIONS: Final = (
    {"AttributeName": PARTITION_KEY, "AttributeType": "S"},
    {"AttributeName": SORT_KEY, "AttributeType": "S"},
)

_BACKEND_ERRORS: Final = (BotoCoreError, ClientError, Boto3Error)


_PROFILE_FIELDS: Final = frozenset({PARTITION_KEY, SORT_KEY, CONSENT_ATTRIBUTE, DISCLAIMER_ATTRIBUTE})


class _Profile(NamedTuple):
    consent: bool | None
    disclaimer_heard: bool


class DynamoDbHistoryStore:
    """HistoryStore on a DynamoDB table: one profile item and one item per episode under ``USER#<user_id>``.

    Appending writes a new item (conditional PutItem), profile changes are atomic UpdateItem SETs, so writes
    from several devices of one user never overwrite each other. Expired episodes are dropped by the table's
    TTL and, since TTL deletion is lazy, filtered out on load.
    """

    def __init__(
        self,
        table: Table,
        *,
        retention: datetime.timedelta = DEFAULT_RETENTION,
        clock: Clock = utc_now,
    ) -> None:
        self._table = table
        self._retention = Retention(retention, clock)

    def load(self, user_id: str) -> UserHistory:
        with self._failures_as_store_error("load the history"):
            items = list(self._query(_partition(user_id)))
        now = self._retention.now()
        oldest, now_epoch = self._retention.oldest_live_day(now), Decimal(now.timestamp())
        profile: _Profile | None = None
        episodes: list[Episode] = []
        for item in items:
            sort_key = item.get(SORT_KEY)
            if sort_key == PROFILE_SORT_KEY:
                profile = _profile_of(item)
            elif isinstance(sort_key, str) and sort_key.startswith(EPISODE_SORT_KEY_PREFIX):
                live = _live_episode_of(item, sort_key, oldest=oldest, now_epoch=now_epoch)
                if live is not None:
                    episodes.append(live)
            else:
                logger.warning("skipping an item with an unknown sort key kind in table %s", self._table.name)
        episodes.sort(key=lambda ep: ep.day)
        if profile is None and not episodes:
            return NO_HISTORY
        return UserHistory(
            consent=None if profile is None else profile.consent,
            disclaimer_heard=False if profile is None else profile.disclaimer_heard,
            episodes=tuple(episodes),
        )

    def mark_disclaimer_heard(self, user_id: str) -> None:
        with self._failures_as_store_error("mark the disclaimer heard"):
            self._set_profile_flag(user_id, DISCLAIMER_ATTRIBUTE, True)

    def set_consent(self, user_id: str, consent: bool) -> None:
        with self._failures_as_store_error("set the consent"):
            # Consent goes first: once it reads False no device appends any more, then the episodes go.
            self._set_profile_flag(user_id, CONSENT_ATTRIBUTE, consent)
            if not consent:
                self._delete(self._keys(_partition(user_id), episodes_only=True))

    def append_episode(self, user_id: str, episode: Episode) -> None:
        item: dict[str, Any] = {
            PARTITION_KEY: _partition(user_id),
            SORT_KEY: f"{EPISODE_SORT_KEY_PREFIX}{episode.day.isoformat()}#{uuid.uuid4().hex}",
            **record_of(episode),
            TTL_ATTRIBUTE: self._retention.expires_at(episode.day),
        }
        with self._failures_as_store_error("append an episode"):
            try:
                self._table.put_item(
                    Item=item,
                    ConditionExpression="attribute_not_exists(#sk)",
                    ExpressionAttributeNames={"#sk": SORT_KEY},
                )
            except ClientError as exc:
                # A retried PutItem whose first attempt did land fails its condition: that is a success.
                if _error_code(exc) != "ConditionalCheckFailedException" or not self._holds(item):
                    raise

    def delete_user(self, user_id: str) -> None:
        with self._failures_as_store_error("delete the user"):
            keys = self._keys(_partition(user_id), episodes_only=False)
            # The profile goes last, so an interrupted deletion still shows a known user to retry for.
            keys.sort(key=lambda key: key[SORT_KEY] == PROFILE_SORT_KEY)
            self._delete(keys)

    @contextmanager
    def _failures_as_store_error(self, action: str) -> Iterator[None]:
        try:
            yield
        except _BACKEND_ERRORS as exc:
            raise StoreError(f"could not {action} (DynamoDB table {self._table.name}): {exc}") from exc

    def _set_profile_flag(self, user_id: str, attribute: str, value: bool) -> None:
        self._table.update_item(
            Key={PARTITION_KEY: _partition(user_id), SORT_KEY: PROFILE_SORT_KEY},
            UpdateExpression="SET #flag = :value",
            ExpressionAttributeNames={"#flag": attribute},
            ExpressionAttributeValues={":value": value},
        )

    def _query(
        self, partition: str, *, episodes_only: bool = False, keys_only: bool = False
    ) -> Iterator[dict[str, Any]]:
        """Every item of one partition, following LastEvaluatedKey; strongly consistent."""
        request: QueryInputTableQueryTypeDef = {
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": PARTITION_KEY},
            "ExpressionAttributeValues": {":pk": partition},
            "ConsistentRead": True,
        }
        if episodes_only:
            request["KeyConditionExpression"] = "#pk = :pk AND begins_with(#sk, :episode)"
            request["ExpressionAttributeNames"] = {"#pk": PARTITION_KEY, "#sk": SORT_KEY}
            request["ExpressionAttributeValues"] = {":pk": partition, ":episode": EPISODE_SORT_KEY_PREFIX}
        if keys_only:
            request["ProjectionExpression"] = "#pk, #sk"
            request["ExpressionAttributeNames"] = {"#pk": PARTITION_KEY, "#sk": SORT_KEY}
        while True:
            page = self._table.query(**request)
            yield from page.get("Items", [])
            last_key = page.get("LastEvaluatedKey")
            if not last_key:
                return
            request["ExclusiveStartKey"] = last_key

    def _keys(self, partition: str, *, episodes_only: bool) -> list[dict[str, Any]]:
        return [
            {PARTITION_KEY: item[PARTITION_KEY], SORT_KEY: item[SORT_KEY]}
            for item in self._query(partition, episodes_only=episodes_only, keys_only=True)
        ]

    def _delete(self, keys: list[dict[str, Any]]) -> None:
        """Batch-delete; the batch writer resends unprocessed items until every key is gone."""
        if not keys:
            return
        with self._table.batch_writer() as batch:
            for key in keys:
                batch.delete_item(Key=key)

    def _holds(self, item: Mapping[str, Any]) -> bool:
        """Whether the table already holds exactly this item."""
        found = self._table.get_item(
            Key={PARTITION_KEY: item[PARTITION_KEY], SORT_KEY: item[SORT_KEY]}, ConsistentRead=True
        ).get("Item")
        return found is not None and dict(found) == dict(item)


def _partition(user_id: str) -> str:
    return f"{USER_KEY_PREFIX}{user_id}"


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _profile_of(item: Mapping[str, object]) -> _Profile | None:
    """The flags of a profile item; None (logged) when it has other fields or a flag is not a boolean."""
    consent, disclaimer_heard = item.get(CONSENT_ATTRIBUTE), item.get(DISCLAIMER_ATTRIBUTE, False)
    if set(item) - _PROFILE_FIELDS:
        problem = "unexpected field(s)"
    elif consent is not None and type(consent) is not bool:
        problem = f"{CONSENT_ATTRIBUTE}: not a boolean"
    elif type(disclaimer_heard) is not bool:
        problem = f"{DISCLAIMER_ATTRIBUTE}: not a boolean"
    else:
        return _Profile(consent=consent, disclaimer_heard=disclaimer_heard)
    logger.warning("skipping a corrupted profile item: %s", problem)
    return None


def _live_episode_of(
    item: Mapping[str, object], sort_key: str, *, oldest: datetime.date, now_epoch: Decimal
) -> Episode | None:
    """The episode in an item; None when it has expired, or when it is corrupted (then logged)."""
    fields = {
        name: value for name, value in item.items() if name not in (PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE)
    }
    expires_at = item.get(TTL_ATTRIBUTE)
    try:
        if not isinstance(expires_at, Decimal | int) or isinstance(expires_at, bool):
            raise InvalidEpisodeError(f"{TTL_ATTRIBUTE} is missing or not a number")
        episode = episode_from_record(fields)
    except ValueError as exc:
        logger.warning("skipping corrupted episode item %s: %s", sort_key, describe_problem(exc))
        return None
    if expires_at <= now_epoch or episode.day < oldest:
        return None
    return episode
