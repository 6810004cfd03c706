"""Request and response models: attrs classes whose validators are the contract's rules."""

from datetime import datetime

import attrs
from asyncpg import Record

from socialproof.validation import (
    MAX_BIGINT,
    QueryModel,
    RequestModel,
    boolean,
    email_address,
    integer,
    optional,
    optional_email_address,
    text,
)

USERNAME_PATTERN = r"^[A-Za-z0-9_.-]+$"


# Requests


@attrs.frozen
class PlayerCreate(RequestModel):
    username: str = attrs.field(validator=text(3, 32, USERNAME_PATTERN))
    email: str = attrs.field(converter=email_address)


@attrs.frozen
class PlayerUpdate(RequestModel):
    """A partial update: an absent or null field keeps its value."""

    username: str | None = attrs.field(
        default=None, validator=optional(text(3, 32, USERNAME_PATTERN))
    )
    email: str | None = attrs.field(default=None, converter=optional_email_address)


@attrs.frozen
class ScenarioCreate(RequestModel):
    player_id: int = attrs.field(validator=integer(-MAX_BIGINT - 1, MAX_BIGINT))
    scenario_type: str = attrs.field(validator=text(1, 50))
    content: str = attrs.field(validator=text(1, 10_000))
    difficulty_level: int = attrs.field(validator=integer(1, 10))
    is_successful: bool | None = attrs.field(default=None, validator=optional(boolean()))


@attrs.frozen
class ScenarioResult(RequestModel):
    is_successful: bool = attrs.field(validator=boolean())


@attrs.frozen
class Page(QueryModel):
    skip: int = attrs.field(default=0, validator=integer(0, MAX_BIGINT))
    limit: int = attrs.field(default=100, validator=integer(1, 1000))


@attrs.frozen
class LeaderboardPage(QueryModel):
    skip: int = attrs.field(default=0, validator=integer(0, MAX_BIGINT))
    limit: int = attrs.field(default=10, validator=integer(1, 1000))


@attrs.frozen
class ScenarioFilter(QueryModel):
    skip: int = attrs.field(default=0, validator=integer(0, MAX_BIGINT))
    limit: int = attrs.field(default=100, validator=integer(1, 1000))
    scenario_type: str | None = attrs.field(default=None, validator=optional(text(1, 50)))
    is_successful: bool | None = attrs.field(default=None, validator=optional(boolean()))


# Responses: built from database rows, whose columns carry the same names.


@attrs.frozen
class Player:
    id: int
    username: str
    email: str
    player_skill_rating: float
    created_at: datetime

    @classmethod
    def from_row(cls, row: Record) -> "Player":
        return cls(**row)


@attrs.frozen
class Scenario:
    id: int
    player_id: int
    scenario_type: str
    content: str
    difficulty_level: int
    is_successful: bool | None
    created_at: datetime
    completed_at: datetime | None
    rating_before: float | None
    rating_after: float | None

    @classmethod
    def from_row(cls, row: Record) -> "Scenario":
        return cls(**row)
