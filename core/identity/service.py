"""Log-in, tokens, authentication of requests and role grants (no GraphQL here)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.instrumentation import manager_of_class

from jiedao.core.errors import DomainError
from jiedao.core.db_retry import read_once_more_if_disconnected
from jiedao.core.identity import audit, throttle, token_cache
from jiedao.core.identity.models import Grant, Token, User
from jiedao.core.identity.passwords import hash_password, password_problem, verify_password
from jiedao.core.identity.roles import ALL_PERMISSION_ROLES, ROLES
from jiedao.core.models import Street

if TYPE_CHECKING:
    from jiedao.core.kernel import Kernel

TOKEN_LIFETIME = timedelta(hours=12)


class AuthenticationFailed(Exception):
    """The request's credentials are malformed, unknown, expired, revoked or foreign.

    ``close_code`` is the WebSocket close code that reports it: 4401 (Unauthorized: log in
    again) or 4403 (Forbidden: the token is fine but holds no role in the street).
    """

    close_code = 4401


class NotGrantedHere(AuthenticationFailed):
    """A valid token whose user holds no role in the street asked for."""

    close_code = 4403


@dataclass(frozen=True)
class Authentication:
    """Who is calling in this street."""

    user_columns: Mapping[str, Any] | None = None
    """The caller's ``User`` row as column values (None: anonymous)."""
    roles: frozenset[str] = frozenset()
    permissions: frozenset[str] = frozenset()
    token_id: int | None = None

    @property
    def signed_in(self) -> bool:
        """Whether a user is calling (without building the ``User``)."""
        return self.user_columns is not None

    @cached_property
    def user(self) -> User | None:
        """The caller as a detached ``User`` (``detached_user``), built when first asked for:
        most requests only ask whether there is one."""
        return None if self.user_columns is None else detached_user(self.user_columns)


ANONYMOUS = Authentication()


def now() -> datetime:
    """The current time (UTC); tests replace ``service.now`` to move the log-in clock."""
    return datetime.now(UTC)


_SHA256 = hashlib.sha256()
"""An empty SHA-256 state to copy: ``hashlib.sha256()`` has OpenSSL look the algorithm up
by name at each call, and every request with a token digests it."""


def digest(token: str) -> str:
    """The hex SHA-256 of ``token``: what the tokens table keeps instead of the token."""
    state = _SHA256.copy()
    state.update(token.encode())
    return state.hexdigest()


def permissions_for(kernel: Kernel, street: str, roles: frozenset[str]) -> frozenset[str]:
    """The permissions ``roles`` hold in ``street`` (only those of enabled plugins)."""
    enabled = {"core", *kernel.enabled_plugins(street)}
    declared = {name for name, (plugin, _) in kernel.contributions.permissions.items() if plugin in enabled}
    if roles & set(ALL_PERMISSION_ROLES):
        return frozenset(declared)
    held: set[str] = set()
    for role in roles:
        held |= kernel.contributions.role_grants.get(role, set())
    return frozenset(held & declared)


async def roles_in(session: AsyncSession, user_id: int, street_id: int) -> frozenset[str]:
    """The roles ``user_id`` holds in the street, platform-wide grants included."""
    rows = await session.scalars(
        select(Grant.role).where(Grant.user_id == user_id, or_(Grant.street_id == street_id, Grant.street_id.is_(None)))
    )
    return frozenset(rows.all())


async def authenticate(kernel: Kernel, street: str, authorization: str | None) -> Authentication:
    """Resolve the ``Authorization`` header of a request to ``street``.

    A token checked a moment ago costs no statement (``core.identity.token_cache``: changes
    in this process take effect at once, in others within ``JIEDAO_TOKEN_CACHE_SECONDS``);
    otherwise one statement reads the token, its user and their roles in the street, retried
    once on a fresh connection when the pooled one turned out to be dead."""
    if authorization is None:
        return ANONYMOUS
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or len(token) > 200:
        raise AuthenticationFailed("Malformed Authorization header; send 'Authorization: Bearer <token>'.")
    key = digest(token.strip())
    cache = token_cache.cache_of(kernel)
    cached = cache.get(key, street)
    if cached is None:
        started = token_cache.generation()
        rows = await read_once_more_if_disconnected(kernel.db, lambda session: _token_rows(session, key, kernel.street_id(street)))
        if not rows or rows[0].revoked_at is not None or not rows[0].User.is_active:
            raise AuthenticationFailed("Unknown or revoked token; log in again.")
        first = rows[0]
        roles = frozenset(row.role for row in rows if row.role is not None)
        columns = {attr.key: getattr(first.User, attr.key) for attr in User.__mapper__.column_attrs}
        found = {"user_columns": columns, "roles": roles, "permissions": permissions_for(kernel, street, roles),
                 "token_id": first.token_id, "token_expires_at": first.expires_at}
        if first.expires_at > now() and roles:
            cache.put(key, street, found, started)
        cached = token_cache.CachedToken(**found, good_until=0.0)
    if cached.token_expires_at <= now():
        raise AuthenticationFailed("The token has expired; log in again.")
    if not cached.roles:
        raise NotGrantedHere(f"This token is not valid in street '{street}'.")
    return Authentication(cached.user_columns, cached.roles, cached.permissions, cached.token_id)


def detached_user(columns: dict[str, Any]) -> User:
    """A detached ``User`` with ``columns``, as if loaded by a session that has closed: each
    request gets its own (a mutation may attach it to its session, e.g. as a notice's
    publisher). Built as the ORM builds loaded rows — the instance without ``__init__``, its
    columns set as loaded state — at a third of the cost of the constructor's per-attribute
    change tracking, which a detached copy does not need."""
    user = _USER_CLASS_MANAGER.new_instance()
    user.__dict__.update(columns)
    make_transient_to_detached(user)
    return user


_USER_CLASS_MANAGER = manager_of_class(User)


async def _token_rows(session: AsyncSession, token_digest: str, street_id: int) -> list:
    """The token's id, expiry and revocation, its user, and one row per role of the user in
    the street (platform-wide grants included; ``role`` None when there is none)."""
    in_street = or_(Grant.street_id == street_id, Grant.street_id.is_(None))
    statement = (
        select(Token.id.label("token_id"), Token.expires_at, Token.revoked_at, User, Grant.role)
        .join(User, User.id == Token.user_id)
        .outerjoin(Grant, (Grant.user_id == User.id) & in_street)
        .where(Token.digest == token_digest)
    )
    return list((await session.execute(statement)).all())


@dataclass(frozen=True)
class SessionCheck:
    """What an open connection was authenticated with: re-checked by ``recheck_sessions``."""

    token_id: int
    street_id: int
    roles: frozenset[str]


async def recheck_sessions(kernel: Kernel, checks: list[SessionCheck]) -> list[int | None]:
    """For each check, None if its token and roles still hold, else the close code: 4401 when
    the token is revoked or expired or its user deactivated, 4403 when a role it was
    authenticated with has been taken away in that street. Two statements for any number."""
    if not checks:
        return []
    token_ids = {check.token_id for check in checks}
    async with kernel.db.session() as session:
        rows = (
            await session.execute(
                select(Token.id, Token.user_id, Token.revoked_at, Token.expires_at, User.is_active)
                .join(User, User.id == Token.user_id)
                .where(Token.id.in_(token_ids))
            )
        ).all()
        live = {row.id: row.user_id for row in rows if row.revoked_at is None and row.is_active and row.expires_at > now()}
        grants = (await session.execute(select(Grant.user_id, Grant.street_id, Grant.role).where(Grant.user_id.in_(set(live.values()))))).all()
    held: dict[tuple[int, int | None], set[str]] = {}
    for user_id, street_id, role in grants:
        held.setdefault((user_id, street_id), set()).add(role)
    answers: list[int | None] = []
    for check in checks:
        user_id = live.get(check.token_id)
        if user_id is None:
            answers.append(4401)
            continue
        roles = held.get((user_id, check.street_id), set()) | held.get((user_id, None), set())
        answers.append(None if check.roles <= roles else 4403)
    return answers


class LoginThrottled(DomainError):
    """The attempt came inside its wait (see ``core.identity.throttle``); nothing was checked."""

    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        self.payload = {"retry_after": retry_after}
        super().__init__("Too many failed log-ins; try again in {seconds} seconds.", code="THROTTLED", seconds=retry_after)


async def login(kernel: Kernel, street: str, username: str, password: str, client: str) -> tuple[str, datetime]:
    """Check the credentials and issue a token valid in the user's streets.

    The attempt is counted before the password is checked and refused with
    ``LoginThrottled`` inside its wait (policy: ``core.identity.throttle``). Raises
    ``DomainError``; the message never tells whether the username exists.
    """
    policy = throttle.LoginPolicy.from_env()
    at = now()
    async with kernel.db.session() as session:
        known = await throttle.is_known(session, policy, username, client, at)
    async with kernel.db.transaction() as session:
        claimed = await throttle.claim(session, policy, username, client, at, known=known)
    if not claimed.granted:
        raise LoginThrottled(claimed.retry_after)
    async with kernel.db.session() as session:
        user = await session.scalar(select(User).where(User.username == username))
    valid = await verify_password(user.password_hash if user else None, password)
    if not valid or user is None or not user.is_active:
        async with kernel.db.transaction() as session:
            await throttle.prune(session, policy, at)
        raise DomainError("Wrong username or password.", code="INVALID_CREDENTIALS")
    token = secrets.token_urlsafe(32)
    async with kernel.db.transaction() as session:
        await throttle.succeeded(session, claimed, username, client, now())
        allowed = bool(await roles_in(session, user.id, kernel.street_id(street)))
        if allowed:
            expires = now() + TOKEN_LIFETIME
            session.add(Token(user_id=user.id, digest=digest(token), created_at=now(), expires_at=expires))
    if not allowed:
        raise DomainError("This account has no role in street '{street}'.", code="NO_ACCESS", street=street)
    return token, expires


async def logout(kernel: Kernel, token_id: int) -> None:
    """Revoke one token."""
    async with kernel.db.transaction() as session:
        await session.execute(update(Token).where(Token.id == token_id, Token.revoked_at.is_(None)).values(revoked_at=now()))


async def revoke_all_tokens(session: AsyncSession, user_id: int) -> int:
    """Revoke every live token of a user; returns how many."""
    result = await session.execute(
        update(Token).where(Token.user_id == user_id, Token.revoked_at.is_(None)).values(revoked_at=now())
    )
    return result.rowcount


async def street_by_slug(session: AsyncSession, slug: str) -> Street:
    street = await session.scalar(select(Street).where(Street.slug == slug))
    if street is None:
        raise DomainError("No street '{street}'.", code="NOT_FOUND", field="street", street=slug)
    return street


async def create_user(session: AsyncSession, username: str, password: str, *, resident_id: int | None = None, password_hash: str | None = None) -> User:
    """A new account; the password is hashed with Argon2id."""
    if not username or len(username) > 100:
        raise DomainError("A username has 1 to 100 characters.", code="INVALID", field="username")
    if await session.scalar(select(User.id).where(User.username == username)) is not None:
        raise DomainError("User '{username}' already exists.", code="DUPLICATE", field="username", username=username)
    if password_hash is None:
        if problem := password_problem(password):
            raise DomainError.of(problem, code="WEAK_PASSWORD", field="password")
        password_hash = hash_password(password)
    user = User(username=username, password_hash=password_hash, resident_id=resident_id)
    session.add(user)
    await session.flush()
    return user


async def grant(session: AsyncSession, user: User, street: Street | None, role: str, *, actor: str = "cli") -> bool:
    """Give ``user`` the ``role`` in ``street`` (None: platform-wide); False if already held."""
    if role not in ROLES:
        raise DomainError("Unknown role '{role}'; roles: {roles}.", code="INVALID", field="role", role=role, roles=", ".join(ROLES))
    street_id = street.id if street else None
    existing = await session.scalar(
        select(Grant.id).where(Grant.user_id == user.id, Grant.role == role, Grant.street_id.is_(None) if street_id is None else Grant.street_id == street_id)
    )
    if existing is not None:
        return False
    session.add(Grant(user_id=user.id, street_id=street_id, role=role))
    await audit.record(session, street_id, actor, "core.role.granted", user.username, {"role": role})
    return True


async def revoke(session: AsyncSession, user: User, street: Street | None, role: str, *, actor: str = "cli") -> bool:
    """Take ``role`` in ``street`` away from ``user``; False if not held."""
    street_id = street.id if street else None
    result = await session.execute(
        delete(Grant).where(Grant.user_id == user.id, Grant.role == role, Grant.street_id.is_(None) if street_id is None else Grant.street_id == street_id)
    )
    if result.rowcount:
        await audit.record(session, street_id, actor, "core.role.revoked", user.username, {"role": role})
    return bool(result.rowcount)
