"""The endpoints the bench drives, and the requests it sends to each.

Each endpoint has a wrk script in bench/lua and, for the Python driver (the smoke's fallback
when wrk is missing), the same requests built in Python by `make_request`.
"""

import random
from dataclasses import dataclass, field

import orjson

_TYPES = ("negotiation", "persuasion", "conflict", "interview")
_CONTENT = "Ask for a raise and hold your ground when the answer is no."


@dataclass(frozen=True)
class Endpoint:
    key: str
    label: str
    #: The status every request should get; anything else counts as an error.
    status: int
    #: The wrk script in bench/lua, by stem.
    script: str

    @property
    def is_read(self) -> bool:
        return self.label.startswith("GET")


ENDPOINTS = (
    Endpoint("get_player", "GET /players/{id}", 200, "get_player"),
    Endpoint("create_player", "POST /players/", 201, "create_player"),
    Endpoint("create_scenario", "POST /scenarios/", 201, "create_scenario"),
    Endpoint("record_result", "POST /scenarios/{id}/result", 200, "record_result"),
    Endpoint("list_scenarios", "GET /players/{id}/scenarios?limit=20", 200, "list_scenarios"),
    Endpoint("leaderboard", "GET /leaderboard?limit=10", 200, "leaderboard"),
    Endpoint("rank", "GET /players/{id}/rank", 200, "rank"),
    Endpoint("stats", "GET /players/{id}/stats", 200, "stats"),
)
BY_KEY = {endpoint.key: endpoint for endpoint in ENDPOINTS}


@dataclass
class RequestState:
    """What one load worker (a wrk thread, or a Python driver task) keeps between requests.

    `number` is 1-based among `workers`; the parameters are the ones the wrk scripts get.
    """

    number: int
    workers: int
    params: dict[str, str]
    counter: int = 0
    rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        self.rng.seed(int(self.params.get("seed", "0")) + self.number * 7919)
        self.next_id = int(self.params.get("pool_first", "0")) + self.number - 1

    def random_player(self) -> int:
        return self.rng.randint(1, int(self.params["players"]))


Request = tuple[str, str, bytes | None]


def make_request(key: str, state: RequestState) -> Request:
    """The next (method, path, body) for endpoint `key`, as its wrk script would send it."""
    if key == "get_player":
        return "GET", f"/players/{state.random_player()}", None
    if key == "create_player":
        state.counter += 1
        name = f"b{state.params['tag']}p{state.number}n{state.counter}"
        return "POST", "/players/", orjson.dumps({"username": name, "email": f"{name}@example.com"})
    if key == "create_scenario":
        body = {
            "player_id": state.random_player(),
            "scenario_type": state.rng.choice(_TYPES),
            "content": _CONTENT,
            "difficulty_level": state.rng.randint(1, 10),
        }
        return "POST", "/scenarios/", orjson.dumps(body)
    if key == "record_result":
        scenario_id = state.next_id
        state.next_id += state.workers
        body = {"is_successful": state.rng.random() < 0.5}
        return "POST", f"/scenarios/{scenario_id}/result", orjson.dumps(body)
    if key == "list_scenarios":
        return "GET", f"/players/{state.random_player()}/scenarios?limit=20", None
    if key == "leaderboard":
        return "GET", f"/leaderboard?skip={state.params.get('skip', '0')}&limit=10", None
    if key == "rank":
        return "GET", f"/players/{state.random_player()}/rank", None
    if key == "stats":
        return "GET", f"/players/{state.random_player()}/stats", None
    raise KeyError(key)
