"""Request and response models: attrs classes; request fields are typed by the contract's rules."""

from datetime import datetime
from typing import Annotated

import attrs
from asyncpg import Record

from socialproof.validation import MAX_BIGINT, Boolean, EmailAddress, Integer, Text

# The contract's rules, as the types of the request fields.
Username = Annotated[str, Text(3, 32, r"^[A-Za-z0-9_.-]+$")]
Email = Annotated[str, EmailAddress()]
ScenarioType = Annotated[str, Text(1, 50)]
Content = Annotated[str, Text(1, 10_000)]
DifficultyLevel = Annotated[int, Integer(1, 10)]
# Any bigint: an id no row can have is the handler's 404, not a 422.
PlayerId = Annotated[int, Integer(-MAX_BIGINT - 1, MAX_BIGINT)]
Flag = Annotated[bool, Boolean()]
Skip = Annotated[int, Integer(0, MAX_BIGINT)]
Limit = Annotated[int, Integer(1, 1000)]
# Opaque: what a page's `Link` carries (socialproof/cursors.py reads it).
Cursor = Annotated[str, Text(1, 128, r"^[A-Za-z0-9_-]+$")]
Password = Annotated[str, Text(8, 128)]
CurrentPassword = Annotated[str, Text(1, 128)]


# Requests: bodies (parse_body) and query strings (parse_query).


@attrs.frozen
class PlayerCreate:
    """Sign-up with AUTH=off: a password may come later."""

    username: Username
    email: Email
    password: Password | None = attrs.field(default=None, repr=False)


@attrs.frozen
class PlayerSignUp(PlayerCreate):
    """Sign-up with accounts: the password is required."""

    password: Password = attrs.field(repr=False)


@attrs.frozen
class PlayerUpdate:
    """A partial update: an absent or null field keeps its value."""

    username: Username | None = None
    email: Email | None = None
    password: Password | None = attrs.field(default=None, repr=False)
    # Needed to change one's own password; admins need not give it.
    current_password: CurrentPassword | None = attrs.field(default=None, repr=False)


@attrs.frozen
class ScenarioCreate:
    player_id: PlayerId
    scenario_type: ScenarioType
    content: Content
    difficulty_level: DifficultyLevel
    is_successful: Flag | None = None


@attrs.frozen
class ScenarioResult:
    is_successful: Flag


@attrs.frozen
class Page:
    skip: Skip = 0
    limit: Limit = 100
    cursor: Cursor | None = None


@attrs.frozen
class LeaderboardPage:
    skip: Skip = 0
    limit: Limit = 10
    cursor: Cursor | None = None
    # A player's id: the `limit` entries around them instead of a page.
    around: PlayerId | None = None


@attrs.frozen
class ScenarioFilter(Page):
    scenario_type: ScenarioType | None = None
    is_successful: Flag | None = None


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
