"""The mock's route table as data: what the app serves, and what a fault plan's ``route`` may name."""

from __future__ import annotations

import fnmatch
import re

# (path template, handler name on NemoApi, methods). Order matters where templates overlap (Starlette
# tries them in turn): the render file route before the upload CDN route.
ROUTES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("/api/auth/anonymous-token", "anonymous_token", ("POST",)),
    ("/api/auth/claim-token", "claim_token", ("POST",)),
    ("/api/tasks/{user}/with-session/{app}", "create_session", ("POST",)),
    ("/run_sse", "run_sse", ("POST",)),
    ("/api/upload-video/{app}/{user}/{sid}", "upload", ("POST",)),
    ("/api/credits/balance/simple", "credits", ("GET",)),
    ("/api/state/{app}/{user}/{sid}/latest", "state", ("GET",)),
    ("/api/render/proxy/lambda", "render_submit", ("POST",)),
    ("/api/render/proxy/lambda/{job_id}", "render_status", ("GET",)),
    ("/api/render/proxy/lambda/{job_id}/cancel", "render_cancel", ("POST",)),
    ("/api/render/proxy/{job_id}/download", "render_download", ("GET",)),
    ("/cdn/renders/{key}/{name}", "render_file", ("GET",)),
    ("/cdn/{upload_id}/{filename}", "cdn", ("GET",)),
)

# The admin routes (handlers on admin.AdminApi): never faulted, never logged; all but health need the key.
ADMIN_ROUTES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("/__mock/health", "health", ("GET",)),
    ("/__mock/requests", "requests", ("GET",)),
    ("/__mock/requests/find", "find", ("POST",)),
    ("/__mock/requests/count", "count", ("POST",)),
    ("/__mock/faults", "faults", ("GET", "POST")),
    ("/__mock/reset", "reset", ("POST",)),
    ("/__mock/shutdown", "shutdown", ("POST",)),
)

_PARAM = re.compile(r"\{[^}]+\}")


def _regex(template: str) -> re.Pattern[str]:
    return re.compile("".join(
        "[^/]+" if part.startswith("{") else re.escape(part)
        for part in re.split(r"(\{[^}]+\})", template) if part))


def api_routes() -> list[tuple[str, str]]:
    """``(method, template)`` of every API route (the ``/__mock/`` admin routes are never faulted)."""
    return [(m, path) for path, _, methods in ROUTES for m in methods]


def route_exists(method: str, pattern: str) -> bool:
    """Whether a fault rule's ``METHOD /path/glob`` can match any API route. Pure."""
    for m, template in api_routes():
        if method not in ("*", m):
            continue
        sample = _PARAM.sub("x", template)
        if fnmatch.fnmatchcase(sample, pattern) or _regex(template).fullmatch(re.sub(r"[*?]", "x", pattern)):
            return True
    return False


def known_routes_text() -> str:
    return ", ".join(f"{m} {t}" for m, t in api_routes())
