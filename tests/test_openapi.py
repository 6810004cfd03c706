"""The API document: valid OpenAPI 3.1, true to the routes, served as JSON, browsable at /docs."""

import re
from html.parser import HTMLParser
from typing import Any

import yaml
from aiohttp import web
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from socialproof.app import create_app
from socialproof.handlers.docs import OPENAPI_PATH, STATIC_PREFIX, SWAGGER_UI_DIR, load_openapi
from socialproof.keys import openapi_key
from socialproof.settings import Settings
from tests.api import Client

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}


def _path(path: str) -> str:
    """`/players/` and `/players` are one route: both spellings are served."""
    return path.rstrip("/") or "/"


def routed_operations(app: web.Application) -> set[tuple[str, str]]:
    """(METHOD, path) of every route; HEAD comes with GET; the assets are not API, nor is the
    last route, which answers what no other takes (404, 405)."""
    operations = set()
    for route in app.router.routes():
        assert route.resource is not None
        if route.method in {"HEAD", "*"} or route.resource.canonical.startswith(STATIC_PREFIX):
            continue
        info = route.resource.get_info()
        operations.add((route.method, _path(info.get("formatter") or info["path"])))
    return operations


def documented_operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (method.upper(), _path(path))
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


def test_the_document_is_valid_openapi_3_1() -> None:
    document = load_openapi()
    assert document["openapi"].startswith("3.1.")
    validate(document, cls=OpenAPIV31SpecValidator)


def test_every_route_is_documented_and_every_operation_routed() -> None:
    app = create_app(Settings(database_url="postgresql://127.0.0.1/not-connected", auth="off"))
    routed = routed_operations(app)
    documented = documented_operations(app[openapi_key])
    assert not routed - documented, f"routed but not documented: {sorted(routed - documented)}"
    assert not documented - routed, f"documented but not routed: {sorted(documented - routed)}"


async def test_openapi_json_is_the_yaml_document(client: Client) -> None:
    response = await client.get("/openapi.json")
    assert response.status == 200
    assert response.content_type == "application/json"
    with OPENAPI_PATH.open(encoding="utf-8") as stream:
        assert await response.json() == yaml.safe_load(stream)


class _AssetLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += [value for name, value in attrs if name in {"src", "href"} and value]


ASSET_TYPES = {".css": "text/css", ".js": "javascript", ".png": "image/png"}


async def test_docs_page_loads_swagger_ui_from_local_assets(client: Client) -> None:
    response = await client.get("/docs")
    assert response.status == 200
    assert response.content_type == "text/html"
    page = await response.text()
    assert '"/openapi.json"' in page
    assert "://" not in page, "the page must not load anything from another host"

    parser = _AssetLinks()
    parser.feed(page)
    assert any(link.endswith("/swagger-ui-bundle.js") for link in parser.links)
    assert any(link.endswith("/swagger-ui.css") for link in parser.links)
    for link in parser.links:
        assert link.startswith(f"{STATIC_PREFIX}/"), link
        asset = await client.get(link)
        assert asset.status == 200, link
        expected = ASSET_TYPES[link[link.rindex(".") :]]
        assert expected in asset.content_type, (link, asset.content_type)
        assert len(await asset.read()) > 0, link


def test_swagger_ui_can_render_openapi_3_1() -> None:
    # Swagger UI renders OpenAPI 3.1 from version 5 on; the package names its version folder.
    version = re.fullmatch(r"swagger-ui-(\d+)\.(\d+)\.(\d+)", SWAGGER_UI_DIR.name)
    assert version is not None, SWAGGER_UI_DIR
    assert int(version.group(1)) >= 5
    assert (SWAGGER_UI_DIR / "swagger-ui-bundle.js").is_file()
