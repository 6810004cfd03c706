"""/docs in a real browser: log in through Swagger UI's Authorize button with the password
flow, then run an operation that needs the token, from the page.

Headless Chromium from Debian's `chromium` package, driven by Playwright (its browser download
is never used: `executable_path` points at the system's).
"""

import shutil
from collections.abc import Iterator

import pytest
import requests

from socialproof.app import create_app
from socialproof.settings import Settings
from tests.auth_api import PASSWORD
from tests.live import serve_in_thread

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCENARIO = {"scenario_type": "negotiation", "content": "Ask for a raise.", "difficulty_level": 5}
TIMEOUT_MS = 30_000

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium found (install Debian's `chromium` package: apt-get install chromium)",
)


@pytest.fixture
def docs_url(auth_settings: Settings) -> Iterator[str]:
    """The service with accounts, a player `ada` and her open scenario 1."""
    with serve_in_thread(create_app(auth_settings)) as url, requests.Session() as http:
        body = {"username": "ada", "email": "ada@example.com", "password": PASSWORD}
        assert http.post(f"{url}/players/", json=body, timeout=30).status_code == 201
        form = {"grant_type": "password", "username": "ada", "password": PASSWORD}
        token = http.post(f"{url}/auth/token", data=form, timeout=30).json()["access_token"]
        response = http.post(
            f"{url}/scenarios/",
            json={**SCENARIO, "player_id": 1},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert response.status_code == 201
        yield f"{url}/docs"


def test_log_in_with_the_authorize_button_and_read_an_own_scenario(docs_url: str) -> None:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(docs_url)

            page.locator("button.btn.authorize").first.click()
            password_flow = page.locator(".auth-container").filter(
                has=page.locator("#oauth_username")
            )
            password_flow.locator("#oauth_username").fill("ada")
            password_flow.locator("#oauth_password").fill(PASSWORD)
            password_flow.locator("button.authorize").click()
            # Once logged in, the scheme's flows show a Logout button instead of Authorize.
            logout = page.locator(".auth-container button", has_text="Logout")
            sync_api.expect(logout.first).to_be_visible()
            page.locator("button.btn-done").first.click()

            operation = page.locator("#operations-scenarios-get_scenario")
            operation.locator(".opblock-summary").click()
            operation.locator("button.try-out__btn").click()
            operation.locator("input[placeholder='scenario_id']").fill("1")
            operation.locator("button.execute").click()

            live = operation.locator(".live-responses-table .response")
            sync_api.expect(live.locator(".response-col_status").first).to_have_text("200")
            sync_api.expect(live.locator(".response-col_description").first).to_contain_text(
                "Ask for a raise."
            )
            curl = operation.locator(".curl-command").inner_text()
            assert "Authorization: Bearer " in curl
        finally:
            browser.close()
