"""The API as a document: the hand-written OpenAPI file as JSON, and Swagger UI to browse it.

`socialproof/openapi.yaml` is read and converted once, when the app is built; `/openapi.json`
then serves the same bytes on every request. `/docs` is a small page that loads Swagger UI from
the assets of the `swagger-ui-bundle-v2` package (served under `/docs/static/`), so the page
works with no internet access.
"""

import base64
import hashlib
from pathlib import Path
from typing import Any

import orjson
import yaml
from aiohttp import web
from swagger_ui_bundle import swagger_ui_path

from socialproof.errors import NotFound
from socialproof.headers import FileResponse, Response
from socialproof.keys import openapi_json_key, openapi_key

OPENAPI_PATH = Path(__file__).resolve().parent.parent / "openapi.yaml"
SWAGGER_UI_DIR = Path(str(swagger_ui_path))
STATIC_PREFIX = "/docs/static"

# libyaml's loader when PyYAML was built with it: about ten times faster than the pure one.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# BaseLayout without the standalone preset: no top bar to load other documents from.
# validatorUrl null: Swagger UI would otherwise send the document to an online validator.
_START_SWAGGER_UI = """
    window.ui = SwaggerUIBundle({
      url: "/openapi.json",
      dom_id: "#swagger-ui",
      deepLinking: true,
      validatorUrl: null,
      presets: [SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
    });
  """

DOCS_HTML = f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>SocialProof API</title>
  <link rel="stylesheet" href="{STATIC_PREFIX}/swagger-ui.css">
  <link rel="stylesheet" href="{STATIC_PREFIX}/index.css">
  <link rel="icon" type="image/png" href="{STATIC_PREFIX}/favicon-32x32.png" sizes="32x32">
  <link rel="icon" type="image/png" href="{STATIC_PREFIX}/favicon-16x16.png" sizes="16x16">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{STATIC_PREFIX}/swagger-ui-bundle.js" charset="utf-8"></script>
  <script>{_START_SWAGGER_UI}</script>
</body>
</html>
"""

# The page runs only our assets and its one inline script (allowed by its hash), reads only
# this origin, and cannot be framed. Swagger UI's stylesheet draws its icons from data: URIs.
_SCRIPT_HASH = base64.b64encode(hashlib.sha256(_START_SWAGGER_UI.encode()).digest()).decode()
DOCS_CSP = "; ".join(
    [
        "default-src 'none'",
        f"script-src 'self' 'sha256-{_SCRIPT_HASH}'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)


def load_openapi(path: Path = OPENAPI_PATH) -> dict[str, Any]:
    """The OpenAPI document as plain JSON data."""
    with path.open(encoding="utf-8") as stream:
        document = yaml.load(stream, Loader=_Loader)
    if not isinstance(document, dict):
        raise ValueError(f"{path} does not hold an OpenAPI document")
    return document


async def openapi_json(request: web.Request) -> web.Response:
    return Response(body=request.app[openapi_json_key], content_type="application/json")


async def docs(request: web.Request) -> web.Response:
    return Response(
        text=DOCS_HTML, content_type="text/html", headers={"Content-Security-Policy": DOCS_CSP}
    )


# Swagger UI's assets by name, listed once: a name not listed is not found, so no path a client
# sends can reach outside this folder.
_STATIC_FILES = {path.name: path for path in SWAGGER_UI_DIR.iterdir() if path.is_file()}


async def static_file(request: web.Request) -> web.StreamResponse:
    path = _STATIC_FILES.get(request.match_info["name"])
    if path is None:
        raise NotFound("Not Found")
    return FileResponse(path)


def setup_docs(app: web.Application) -> None:
    """Load the document into the app, and its JSON for /openapi.json."""
    document = load_openapi()
    app[openapi_key] = document
    # Serialized here, once: a document that JSON cannot carry fails the build, not a request.
    app[openapi_json_key] = orjson.dumps(document)
