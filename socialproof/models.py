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
    whole_number,
)

# Rules that more than one model applies.
USERNAME = text(3, 32, r"^[A-Za-z0-9_.-]+$")
PASSWORD = text(8, 128)
SCENARIO_TYPE = text(1, 50)


# Requests


@attrs.frozen
class PlayerCreate(RequestModel):
    """Sign-up with AUTH=off: a password may come later."""

    username: str = attrs.field(validator=USERNAME)
    email: str = attrs.field(converter=email_address)
    password: str | None = attrs.field(default=None, validator=optional(PASSWORD), repr=False)


@attrs.frozen
class PlayerSignUp(PlayerCreate):
    """Sign-up with accounts: the password is required."""

    password: str = attrs.field(validator=PASSWORD, repr=False)


@attrs.frozen
class PlayerUpdate(RequestModel):
    """A partial update: an absent or null field keeps its value."""

    username: str | None = attrs.field(default=None, validator=optional(USERNAME))
    email: str | None = attrs.field(default=None, converter=optional_email_address)
    password: str | None = attrs.field(default=None, validator=optional(PASSWORD), repr=False)
    # Needed to change one's own password; admins need not give it.
    current_password: str | None = attrs.field(
        default=None, validator=optional(text(1, 128)), repr=False
    )


@attrs.frozen
class ScenarioCreate(RequestModel):
    player_id: int = attrs.field(
        converter=whole_number, validator=integer(-MAX_BIGINT - 1, MAX_BIGINT)
    )
    scenario_type: str = attrs.field(validator=SCENARIO_TYPE)
    content: str = attrs.field(validator=text(1, 10_000))
    difficulty_level: int = attrs.field(converter=whole_number, validator=integer(1, 10))
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
class ScenarioFilter(Page):
    scenario_type: str | None = attrs.field(default=None, validator=optional(SCENARIO_TYPE))
    is_successful: bool | None = attrs.field(default=None, validator=optional(boolean()))


# Responses: built from database rows, whose columns carry the same names: Model(**row).


@attrs.frozen
class Player:
    id: int
    username: str
    email: str | None  # null for callers other than the player themself and admins
    player_skill_rating: float
    created_at: datetime


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
        """From a row that may carry more columns than a scenario has."""
        return cls(**{name: row[name] for name in _SCENARIO_FIELDS})


_SCENARIO_FIELDS = tuple(field.name for field in attrs.fields(Scenario))


@attrs.frozen
class LeaderboardEntry:
    rank: int
    player_id: int
    username: str
    player_skill_rating: float


@attrs.frozen
class PlayerRank:
    player_id: int
    rank: int
    player_skill_rating: float
    total_players: int


@attrs.frozen
class TypeStats:
    total: int
    completed: int
    succeeded: int


@attrs.frozen
class PlayerStats:
    player_id: int
    scenarios_total: int
    scenarios_completed: int
    scenarios_succeeded: int
    success_rate: float | None
    by_type: dict[str, TypeStats]

    @classmethod
    def from_rows(cls, player_id: int, rows: list[Record]) -> "PlayerStats":
        """From per-type counts (scenario_type, total, completed, succeeded)."""
        by_type = {
            row["scenario_type"]: TypeStats(row["total"], row["completed"], row["succeeded"])
            for row in rows
        }
        completed = sum(t.completed for t in by_type.values())
        succeeded = sum(t.succeeded for t in by_type.values())
        return cls(
            player_id=player_id,
            scenarios_total=sum(t.total for t in by_type.values()),
            scenarios_completed=completed,
            scenarios_succeeded=succeeded,
            success_rate=succeeded / completed if completed else None,
            by_type=by_type,
        )


@attrs.frozen
class RatingChange:
    scenario_id: int
    completed_at: datetime
    difficulty_level: int
    is_successful: bool
    rating_before: float
    rating_after: float
