"""The web UI's login guards over real HTTP: logging out revokes the session server-side (a copied
cookie stops working, on every replica sharing the store), and a client that types too many wrong
tokens waits (429 with Retry-After) while other clients do not.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from api_server import ScriptedFactory, serve_in_thread

from orchestrator.app import create_app
from orchestrator.settings import OrchestratorSettings

TOKEN = "ui-guards-token"
UI = "/ui"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
COOKIE = "sre_ui_session"


@contextlib.contextmanager
def _server(directory: Path, **overrides: Any) -> Iterator[str]:
    settings = OrchestratorSettings(
        database_url=f"sqlite:///{directory / 'incidents.db'}", api_tokens=[TOKEN], **overrides
    )
    with serve_in_thread(create_app(settings, ScriptedFactory(directory / "journal.txt"))) as url:
        yield url


def _browser(url: str, address: str = "127.0.0.1") -> httpx2.Client:
    """A browser on this site, connecting from `address` (any of 127.0.0.0/8 reaches the server)."""
    transport = httpx2.HTTPTransport(local_address=address)
    return httpx2.Client(base_url=url, headers={"Origin": url}, timeout=10, transport=transport)


def _login(client: httpx2.Client, token: str = TOKEN) -> httpx2.Response:
    return client.post(f"{UI}/login", data={"token": token, "next": f"{UI}/"}, headers=FORM)


def _logged_in_cookie(url: str) -> str:
    with _browser(url) as client:
        assert _login(client).status_code == 303
        return client.cookies[COOKIE]


def _opens_the_ui(url: str, cookie: str) -> bool:
    with _browser(url) as client:
        client.cookies.set(COOKIE, cookie)
        answer = client.get(f"{UI}/")
    assert answer.status_code in (200, 303), answer.text
    return answer.status_code == 200


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with _server(tmp_path_factory.mktemp("ui-guards"), ui_login_max_failures=3) as url:
        yield url


def test_a_copied_cookie_is_refused_after_logout(base_url: str) -> None:
    copied = _logged_in_cookie(base_url)
    other_session = _logged_in_cookie(base_url)  # same token, another login
    with _browser(base_url) as client:
        client.cookies.set(COOKIE, copied)
        assert client.get(f"{UI}/").status_code == 200
        logout = client.post(f"{UI}/logout")
    assert logout.status_code == 303
    assert not _opens_the_ui(base_url, copied)
    assert _opens_the_ui(base_url, other_session)  # only that session ended, not every one of the token


def test_a_logged_out_session_cannot_post_forms_either(base_url: str) -> None:
    copied = _logged_in_cookie(base_url)
    with _browser(base_url) as client:
        client.cookies.set(COOKIE, copied)
        client.post(f"{UI}/logout")
    with _browser(base_url) as client:
        client.cookies.set(COOKIE, copied)
        answer = client.post(f"{UI}/incidents", data={"description": "checkout is down"}, headers=FORM)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith(f"{UI}/login")


def test_a_logout_on_one_replica_holds_on_another_sharing_the_store(tmp_path: Path) -> None:
    shared = {"ui_session_secret": "shared-signing-key"}
    with _server(tmp_path, **shared) as first, _server(tmp_path, **shared) as second:
        cookie = _logged_in_cookie(first)
        assert _opens_the_ui(second, cookie)
        with _browser(first) as client:
            client.cookies.set(COOKIE, cookie)
            assert client.post(f"{UI}/logout").status_code == 303
        assert not _opens_the_ui(second, cookie)


def test_wrong_tokens_from_one_address_are_slowed_with_429_and_retry_after(base_url: str) -> None:
    with _browser(base_url, "127.0.0.2") as guesser, _browser(base_url, "127.0.0.3") as bystander:
        wrong = [_login(guesser, f"guess-{n}").status_code for n in range(3)]
        refused = _login(guesser)  # even the right token: waiting is the only way on
        blank = guesser.post(f"{UI}/login", data={"token": " "}, headers=FORM)
        other = _login(bystander)
    assert wrong == [401, 401, 401]
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 300
    assert "too many wrong tokens from your address: wait" in refused.text
    assert COOKIE not in guesser.cookies
    assert blank.status_code == 429
    assert other.status_code == 303  # another client is not held up


def test_a_right_token_clears_the_failures(base_url: str) -> None:
    with _browser(base_url, "127.0.0.4") as client:
        first = [_login(client, "typo").status_code for _ in range(2)]
        assert _login(client).status_code == 303
        again = [_login(client, "typo").status_code for _ in range(2)]
    assert first == again == [401, 401]


def test_the_wait_ends_when_the_oldest_failure_leaves_the_window(tmp_path: Path) -> None:
    with (
        _server(tmp_path, ui_login_max_failures=1, ui_login_failure_window_seconds=1) as url,
        _browser(url, "127.0.0.5") as client,
    ):
        assert _login(client, "typo").status_code == 401
        held = _login(client)
        time.sleep(1.2)
        later = _login(client)
    assert held.status_code == 429
    assert held.headers["Retry-After"] == "1"
    assert later.status_code == 303
