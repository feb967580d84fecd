"""graphql-http's GraphQL-over-HTTP server audit (npm package ``graphql-http``, its
``serverAudits``; pinned in ``tests/conformance/package-lock.json``) against a real uvicorn:
no failure (MUST) and no warning (SHOULD). Node is required where services are
(``JIEDAO_REQUIRE_SERVICES=1``, CI); the audit's package is installed with ``npm ci`` on first use."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

from jiedao.core.testing.services import require_service
from jiedao.core.testing.uvicorn_server import UvicornServer

CONFORMANCE = Path(__file__).resolve().parent / "conformance"
STREETS = {"changqing": {"name": "长庆街道", "plugins": []}}


def audit_tool() -> list[str]:
    """The command running ``audit.mjs`` (``npm ci`` first when its package is missing)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    require_service(None if node and npm else "node and npm (Node 20+) are needed for graphql-http's audit")
    if not (CONFORMANCE / "node_modules" / "graphql-http" / "package.json").exists():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=CONFORMANCE, check=True, stdin=subprocess.DEVNULL, timeout=300)
    return [node, str(CONFORMANCE / "audit.mjs")]


def run_audit(url: str, token: str | None) -> list[dict]:
    """Every audit's ``{id, name, status, reason}`` for the endpoint at ``url``."""
    environment = {**os.environ, **({"JIEDAO_AUDIT_TOKEN": token} if token else {})}
    done = subprocess.run([*audit_tool(), url], cwd=CONFORMANCE, capture_output=True, text=True, env=environment, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


async def _worker_token(kernel) -> str:
    from jiedao.core.identity import service
    from jiedao.core.identity.models import Grant, Token, User

    token = secrets.token_urlsafe(24)
    async with kernel.db.transaction() as session:
        user = User(username="audit-worker", password_hash="-")
        session.add(user)
        await session.flush()
        session.add(Grant(user_id=user.id, street_id=kernel.street_id("changqing"), role="community_worker"))
        session.add(Token(user_id=user.id, digest=service.digest(token), created_at=service.now(), expires_at=service.now() + timedelta(hours=1)))
    return token


def test_graphql_http_server_audit_passes_without_failures_or_warnings(database_url):
    """Run as a logged-in worker: a few audits introspect (``__type``), which anonymous callers
    may not by default (``JIEDAO_INTROSPECTION=authenticated``)."""
    tokens: list[str] = []

    async def seed(kernel):
        tokens.append(await _worker_token(kernel))

    with UvicornServer(STREETS, database_url, seed=seed) as server:
        results = run_audit(f"{server.url}/graphql/changqing", tokens[0])
    assert len(results) >= 60
    failing = [f"{r['status']}: {r['name']} ({r['id']}): {r['reason']}" for r in results if r["status"] in ("error", "warn")]
    assert failing == []
