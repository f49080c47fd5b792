"""With a login set, every route but the login page and its static files requires it.

Gradio checks the login on most routes itself, but not on all of them (in 6.31, for example,
`/gradio_api/heartbeat/{session}`, which ends a session when it disconnects, `/cancel`,
`/gradio_api/stream/{event}` and `/openapi.json` answer without one). This middleware runs
before any route: a request without a valid login cookie gets the same 401 Gradio gives, so
the browser shows its login form.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

# What the login page itself needs, and nothing that holds or returns data.
OPEN_PATHS = frozenset(
    {
        "/",
        "/login",
        "/login/",
        "/logout",
        "/favicon.ico",
        "/theme.css",
        "/gradio_api/theme.css",
        "/manifest.json",
        "/robots.txt",
        "/gradio_api/startup-events",  # Gradio's launch() calls it, without a login
    }
)
OPEN_PREFIXES = ("/assets/", "/static/", "/svelte/", "/pwa_icon")
NOT_AUTHENTICATED = {"detail": {"error": "Not authenticated", "auth_message": None}}


def is_open(path: str) -> bool:
    """Reachable without a login (the login page and its static files)."""
    return path in OPEN_PATHS or path.startswith(OPEN_PREFIXES)


class LoginRequired:
    """ASGI middleware: refuse unauthenticated requests when the Gradio app has a login."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or self._allowed(scope):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        body = json.dumps(NOT_AUTHENTICATED).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    def _allowed(scope: Scope) -> bool:
        gradio_app: Any = scope.get("app")
        if gradio_app is None or getattr(gradio_app, "auth", None) is None:
            return True  # no login set: Gradio's own checks apply
        if is_open(scope.get("path", "")):
            return True
        cookies = _cookies(scope)
        cookie_id = gradio_app.cookie_id
        token = cookies.get(f"access-token-{cookie_id}") or cookies.get(
            f"access-token-unsecure-{cookie_id}"
        )
        return token is not None and token in gradio_app.tokens


def _cookies(scope: Scope) -> dict[str, str]:
    from http.cookies import SimpleCookie

    jar: SimpleCookie = SimpleCookie()
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header is no login
                return {}
    return {key: morsel.value for key, morsel in jar.items()}
