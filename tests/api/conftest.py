"""The staff API through the ASGI app, with STAFF_API_TOKEN set."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from bot.runtime import Runtime

STAFF_TOKEN = "staff-token-for-tests"
AUTH = {"Authorization": f"Bearer {STAFF_TOKEN}"}


@pytest.fixture
def runtime(make_runtime: Callable[..., Runtime]) -> Runtime:
    """The shared runtime, with the staff token configured (``client`` and ``store_of`` use it)."""
    return make_runtime(STAFF_API_TOKEN=STAFF_TOKEN)


@pytest.fixture
def api(client: TestClient) -> TestClient:
    """The app's client, sending the staff token with every request."""
    client.headers.update(AUTH)
    return client
