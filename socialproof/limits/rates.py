"""A policy's rate, `N/second`, `N/minute` or `N/hour` (the notation of the `limits` package),
and the GCRA step every store takes, in whole microseconds so that all stores agree exactly.

GCRA keeps one number per key, the theoretical arrival time (TAT): when the key's quota would
be whole again. A request moves it one emission interval (the period divided by the limit)
later, and is admitted when the new TAT is at most one period ahead of now; so a quiet key
takes `limit` requests at once, then one per interval.
"""

import re
from typing import NamedTuple

import attrs

_UNITS = {"second": 1, "minute": 60, "hour": 3600}
_NOTATION = re.compile(r"\s*([0-9]+)\s*/\s*(second|minute|hour)\s*", re.IGNORECASE)
MICROSECONDS = 1_000_000


@attrs.frozen
class Rate:
    """`limit` requests per `period` seconds."""

    limit: int
    period: int
    # Microseconds one request holds: the period divided by the limit, rounded down so that
    # exactly `limit` requests fit in a burst (the rate comes out higher by less than one
    # microsecond per request).
    interval_us: int = attrs.field(
        init=False,
        default=attrs.Factory(
            lambda rate: rate.period * MICROSECONDS // rate.limit, takes_self=True
        ),
    )
    # How far ahead of now the TAT may go: `limit` intervals.
    window_us: int = attrs.field(
        init=False,
        default=attrs.Factory(lambda rate: rate.interval_us * rate.limit, takes_self=True),
    )

    def __str__(self) -> str:
        unit = next(name for name, seconds in _UNITS.items() if seconds == self.period)
        return f"{self.limit}/{unit}"

    def divided(self, parts: int) -> "Rate":
        """This rate shared by `parts` processes that do not talk to each other (at least one
        request each per period)."""
        return Rate(max(1, self.limit // parts), self.period)


def parse_rate(text: str) -> Rate | None:
    """`N/second`, `N/minute` or `N/hour` as a Rate; `off` as None (no limit)."""
    if text.strip().lower() == "off":
        return None
    match = _NOTATION.fullmatch(text)
    if match is None or int(match[1]) < 1:
        raise ValueError(f"must be N/second, N/minute, N/hour (N at least 1) or off, not {text!r}")
    return Rate(int(match[1]), _UNITS[match[2].lower()])


class Decision(NamedTuple):
    """What a store answered for one request, in whole seconds as the headers state them."""

    admitted: bool
    remaining: int  # requests the key may still make at once
    reset_seconds: int  # until the quota is whole again, rounded up
    retry_seconds: int  # until a refused request would be admitted, rounded up (0: admitted)


def decide(rate: Rate, admitted: bool, ahead_us: int) -> Decision:
    """The decision from a GCRA step's outcome: `ahead_us` is the key's TAT after the step
    minus now (the TAT is unchanged when the request was refused)."""
    reset = -(-ahead_us // MICROSECONDS)  # rounded up
    if admitted:
        return Decision(True, (rate.window_us - ahead_us) // rate.interval_us, max(1, reset), 0)
    retry_us = ahead_us + rate.interval_us - rate.window_us
    return Decision(False, 0, max(1, reset), max(1, -(-retry_us // MICROSECONDS)))


def gcra_step(tat_us: int | None, now_us: int, rate: Rate) -> tuple[bool, int]:
    """One GCRA step in Python (the SQL and Lua stores take the same step): whether the request
    is admitted, and the key's TAT after it (unchanged when refused)."""
    tat = now_us if tat_us is None or tat_us < now_us else tat_us
    new_tat = tat + rate.interval_us
    if new_tat - now_us <= rate.window_us:
        return True, new_tat
    return False, tat
