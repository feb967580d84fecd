"""Throwaway PostgreSQL clusters and Mosquitto brokers started from the machine's binaries.

Each service gets its own temporary directory and a free port on 127.0.0.1. ``stop()``
(also run on leaving a ``with`` block, on a failed start, and at interpreter exit as a
last resort) stops the process and removes the directory. Nothing is mocked.

Running as root: ``initdb`` and ``postgres`` refuse to run as root. When the tests run
as root, the cluster's directory is chowned to an unprivileged account and both programs
are spawned with ``subprocess``'s ``user=``/``group=``/``extra_groups=`` arguments: a
plain setgid/setuid in the child, with no ``su``/``runuser``, PAM or login shell in the
way. The account is ``$JIEDAO_PG_USER`` when set, else ``postgres`` (created by Debian's
``postgresql`` package), else ``nobody``. ``psql`` itself runs as the caller and talks
to the server over TCP. Mosquitto started as root would switch to the ``mosquitto``
user; its config says ``user root`` instead, so it can always read the password and ACL
files it is given and write its persistence file.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from jiedao.core.testing.service_process import HOST, ServiceError, ServiceStartError, _Service

_PG_PROGRAMS = ("initdb", "postgres", "psql", "pg_isready")
_PG_ACCOUNTS = ("postgres", "nobody")


def require_service(reason: str | None) -> None:
    """Skip the calling test when ``reason`` is set, or fail it when services are required.

    Services are required when ``CI`` or ``JIEDAO_REQUIRE_SERVICES`` is set to anything
    but an empty string, ``0`` or ``false``. Pass the result of ``postgres_available()``
    or ``mosquitto_available()``.
    """
    __tracebackhide__ = True  # report the skip or failure at the test, not here
    if reason is None:
        return
    if any(os.environ.get(name, "").lower() not in ("", "0", "false") for name in ("CI", "JIEDAO_REQUIRE_SERVICES")):
        pytest.fail(f"required service unavailable: {reason}", pytrace=False)
    pytest.skip(reason)


def postgres_available() -> str | None:
    """Return why a ``PostgresCluster`` cannot start here, or None when it can."""
    if _pg_bindir() is None:
        where = os.environ.get("JIEDAO_PG_BIN") or "pg_config --bindir, /usr/lib/postgresql/*/bin or PATH"
        return f"PostgreSQL server binaries ({', '.join(_PG_PROGRAMS)}) not found in {where}"
    if os.geteuid() == 0 and _pg_account() is None:
        names = ", ".join(filter(None, (os.environ.get("JIEDAO_PG_USER"), *_PG_ACCOUNTS)))
        return f"running as root and none of the accounts {names} exists to run PostgreSQL as"
    return None


def mosquitto_available() -> str | None:
    """Return why a ``MosquittoBroker`` cannot start here, or None when it can."""
    if _mosquitto_binary() is None:
        where = os.environ.get("JIEDAO_MOSQUITTO_BIN") or "PATH or /usr/sbin/mosquitto"
        return f"mosquitto binary not found in {where}"
    return None


def _pg_bindir() -> Path | None:
    """The first directory holding all of ``_PG_PROGRAMS``: $JIEDAO_PG_BIN alone if set."""
    override = os.environ.get("JIEDAO_PG_BIN")
    if override:
        candidates = [override]
    else:
        candidates = []
        pg_config = shutil.which("pg_config")
        if pg_config:
            result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
            if result.returncode == 0:
                candidates.append(result.stdout.strip())
        versioned = glob.glob("/usr/lib/postgresql/*/bin")
        candidates += sorted(versioned, key=lambda path: [int(p) for p in Path(path).parent.name.split(".") if p.isdigit()], reverse=True)
        on_path = shutil.which("postgres")
        if on_path:
            candidates.append(os.path.dirname(on_path))
    for candidate in candidates:
        if all(os.access(Path(candidate, program), os.X_OK) for program in _PG_PROGRAMS):
            return Path(candidate)
    return None


def _pg_account() -> pwd.struct_passwd | None:
    """The unprivileged account that runs PostgreSQL when the tests run as root."""
    for name in filter(None, (os.environ.get("JIEDAO_PG_USER"), *_PG_ACCOUNTS)):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    return None


def _mosquitto_binary() -> str | None:
    """Path of the mosquitto broker: $JIEDAO_MOSQUITTO_BIN alone if set, else PATH, then /usr/sbin."""
    override = os.environ.get("JIEDAO_MOSQUITTO_BIN")
    candidates = [override] if override else [shutil.which("mosquitto"), "/usr/sbin/mosquitto"]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _accepts_tcp(port: int) -> bool:
    """Whether something accepts TCP connections on 127.0.0.1:``port``."""
    try:
        socket.create_connection((HOST, port), timeout=0.5).close()
    except OSError:
        return False
    return True


def _quote_ident(name: str) -> str:
    """Quote ``name`` as a PostgreSQL identifier."""
    return '"' + name.replace('"', '""') + '"'


class PostgresCluster(_Service):
    """A throwaway PostgreSQL cluster on 127.0.0.1 with superuser ``postgres`` and trust auth.

    Durability is off (``fsync``, ``synchronous_commit``, ``full_page_writes``) for speed.
    The unix socket lives in the cluster's directory. Use as a context manager or call
    ``start()``/``stop()``.
    """

    label = "PostgreSQL"
    stop_signal = signal.SIGINT  # "fast" shutdown: end open sessions, then stop cleanly

    def __init__(self, *, base_dir: str | os.PathLike[str] | None = None, start_timeout: float = 60.0) -> None:
        """Describe a cluster to be created under ``base_dir`` (default: the temp dir) by ``start()``.

        As root, ``base_dir`` and its parents must be searchable by the account PostgreSQL runs as.
        """
        super().__init__(base_dir, start_timeout)
        self._bindir: Path | None = None
        self._run_as: dict[str, Any] = {}

    def url(self, database: str, user: str = "postgres", driver: str | None = "asyncpg") -> str:
        """SQLAlchemy URL ``postgresql+DRIVER://USER@127.0.0.1:PORT/DATABASE``.

        With ``driver=None`` the plain ``postgresql://`` form that asyncpg and libpq accept.
        """
        scheme = f"postgresql+{driver}" if driver else "postgresql"
        return f"{scheme}://{quote(user, safe='')}@{self.host}:{self.port}/{quote(database, safe='')}"

    def execute(self, sql: str, database: str = "postgres") -> str:
        """Run ``sql`` as superuser ``postgres`` with psql and return what it printed.

        Statements run one at a time, outside any transaction block, so ``CREATE
        DATABASE`` may be among them. The output has one row per line, columns
        separated by ``|``, no headers. Raises ``ServiceError`` with psql's message
        on the first failing statement.
        """
        if self._bindir is None or self.port is None:
            raise ServiceError("PostgreSQL cluster is not started")
        argv = [str(self._bindir / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"]
        argv += ["-h", self.host, "-p", str(self.port), "-U", "postgres", "-d", database, "-f", "-"]
        result = subprocess.run(argv, input=sql, capture_output=True, text=True, env=self._env())
        if result.returncode != 0:
            raise ServiceError(f"psql on database {database!r} failed: {result.stderr.strip()}")
        return result.stdout.strip()

    def create_database(self, name: str, owner: str | None = None, template: str | None = None) -> None:
        """Create database ``name``, optionally owned by role ``owner`` and copied from ``template``."""
        sql = f"CREATE DATABASE {_quote_ident(name)}"
        if owner:
            sql += f" OWNER {_quote_ident(owner)}"
        if template:
            sql += f" TEMPLATE {_quote_ident(template)}"
        self.execute(sql)

    def drop_database(self, name: str) -> None:
        """Drop database ``name`` if it exists, disconnecting anyone still connected to it."""
        self.execute(f"DROP DATABASE IF EXISTS {_quote_ident(name)} WITH (FORCE)")

    def create_role(self, name: str, login: bool = True, superuser: bool = False, bypassrls: bool = False) -> None:
        """Create role ``name``; with trust auth a login role needs no password."""
        flags = ["LOGIN" if login else "NOLOGIN", "SUPERUSER" if superuser else "NOSUPERUSER"]
        flags.append("BYPASSRLS" if bypassrls else "NOBYPASSRLS")
        self.execute(f"CREATE ROLE {_quote_ident(name)} {' '.join(flags)}")

    @staticmethod
    def _env() -> dict[str, str]:
        """The caller's environment without PG* variables that would redirect the tools."""
        env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
        env["LC_ALL"] = "C"
        return env

    def _claim_directory(self) -> None:
        """Find the binaries, hand the directory to the unprivileged account if root, pick a port."""
        reason = postgres_available()
        if reason:
            raise ServiceStartError(reason)
        assert self.directory is not None
        self._bindir = _pg_bindir()
        assert self._bindir is not None
        if os.geteuid() == 0:
            account = _pg_account()
            assert account is not None
            os.chown(self.directory, account.pw_uid, account.pw_gid)
            self._run_as = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
        self.port = free_port()

    def _prepare(self) -> None:
        """Find the binaries, hand the directory to the unprivileged account if root, run initdb."""
        self._claim_directory()
        initdb = [str(self._bindir / "initdb"), "-D", str(self.directory / "data"), "-U", "postgres"]
        initdb += ["--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"]
        result = subprocess.run(initdb, capture_output=True, text=True, cwd=self.directory, env=self._env(), **self._run_as)
        if result.returncode != 0:
            self._fail(f"initdb exited with status {result.returncode}", result.stdout + result.stderr)

    def _launch(self) -> None:
        """Start ``postgres`` listening on 127.0.0.1:port and on a socket in the directory."""
        assert self._bindir is not None and self.directory is not None
        settings = {
            "listen_addresses": self.host,
            "port": str(self.port),
            "unix_socket_directories": str(self.directory),
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
        }
        argv = [str(self._bindir / "postgres"), "-D", str(self.directory / "data")]
        for name, value in settings.items():
            argv += ["-c", f"{name}={value}"]
        self._spawn(argv, self._ready, cwd=self.directory, env=self._env(), **self._run_as)

    def _ready(self) -> bool:
        """Whether the server accepts connections (pg_isready)."""
        assert self._bindir is not None
        argv = [str(self._bindir / "pg_isready"), "-q", "-h", self.host, "-p", str(self.port), "-t", "1"]
        return subprocess.run(argv, env=self._env()).returncode == 0


class PostgresReplica(PostgresCluster):
    """A streaming (physical) read replica of a started ``PostgresCluster``: a base backup of
    the primary (``pg_basebackup -R``: it follows the primary from then on) on its own port,
    in hot standby, so it answers read-only queries. Roles and databases are the primary's."""

    label = "PostgreSQL replica"

    def __init__(self, primary: PostgresCluster, **options: Any) -> None:
        super().__init__(**options)
        self.primary = primary

    def _prepare(self) -> None:
        """Copy the primary with ``pg_basebackup``, as the account PostgreSQL runs as."""
        assert self.primary.port is not None
        self._claim_directory()
        backup = [str(self._bindir / "pg_basebackup"), "-D", str(self.directory / "data"), "-R", "-X", "stream", "--no-sync",
                  "-c", "fast", "-h", self.primary.host, "-p", str(self.primary.port), "-U", "postgres"]
        result = subprocess.run(backup, capture_output=True, text=True, cwd=self.directory, env=self._env(), **self._run_as)
        if result.returncode != 0:
            self._fail(f"pg_basebackup exited with status {result.returncode}", result.stdout + result.stderr)

    def pause_replay(self) -> None:
        """Stop applying the primary's changes (they still arrive): the replica falls behind."""
        import time

        self.execute("select pg_wal_replay_pause()")
        deadline = time.monotonic() + 30
        while self.execute("select pg_get_wal_replay_pause_state()") != "paused":
            if time.monotonic() > deadline:
                raise ServiceError("the replica did not pause its replay within 30 s")
            time.sleep(0.05)

    def resume_replay(self) -> None:
        """Apply the primary's changes again."""
        self.execute("select pg_wal_replay_resume()")


class MosquittoBroker(_Service):
    """A throwaway Mosquitto broker on 127.0.0.1 with persistence in its own directory.

    QoS 1/2 queues have no limit (``max_queued_messages 0``; ``max_queued_bytes`` and
    ``memory_limit`` keep their unlimited defaults), so a slow or disconnected persistent
    subscriber never has messages dropped. ``restart()`` keeps the port and the
    persistence file, for reconnection tests.
    """

    label = "Mosquitto"

    def __init__(
        self,
        *,
        allow_anonymous: bool = True,
        password_file: str | os.PathLike[str] | None = None,
        acl_file: str | os.PathLike[str] | None = None,
        settings: str | None = None,
        base_dir: str | os.PathLike[str] | None = None,
        start_timeout: float = 30.0,
    ) -> None:
        """Describe a broker; ``password_file``/``acl_file`` are Mosquitto's own formats.
        ``settings`` (mosquitto.conf lines) replaces the persistence and queue settings
        above, e.g. to test the configuration a deployment ships."""
        super().__init__(base_dir, start_timeout)
        self.allow_anonymous = allow_anonymous
        self.password_file = password_file
        self.acl_file = acl_file
        self.settings = settings

    @property
    def url(self) -> str:
        """``mqtt://127.0.0.1:PORT``."""
        return f"mqtt://{self.host}:{self.port}"

    def restart(self) -> None:
        """Stop the broker cleanly (it saves its persistence file) and start it on the same port."""
        if self.directory is None:
            raise ServiceError("Mosquitto broker is not started")
        self._halt()
        try:
            self._launch()
        except BaseException:
            self.stop()
            raise

    def _prepare(self) -> None:
        """Pick the port and write ``mosquitto.conf``."""
        reason = mosquitto_available()
        if reason:
            raise ServiceStartError(reason)
        assert self.directory is not None
        self.port = free_port()
        lines = [
            f"listener {self.port} {self.host}",
            f"allow_anonymous {'true' if self.allow_anonymous else 'false'}",
            *(["persistence true", "max_queued_messages 0", "set_tcp_nodelay true"] if self.settings is None else [self.settings]),
            f"persistence_location {self.directory}/",
            "log_dest stderr",
            *(f"log_type {kind}" for kind in ("error", "warning", "notice", "information")),  # one per line
        ]
        if self.password_file is not None:
            lines.append(f"password_file {os.path.abspath(self.password_file)}")
        if self.acl_file is not None:
            lines.append(f"acl_file {os.path.abspath(self.acl_file)}")
        if os.geteuid() == 0:
            lines.append("user root")
        (self.directory / "mosquitto.conf").write_text("\n".join(lines) + "\n")

    def _launch(self) -> None:
        """Start mosquitto on the written config and wait until its port accepts connections."""
        assert self.directory is not None and self.port is not None
        port = self.port
        binary = _mosquitto_binary()
        assert binary is not None
        self._spawn([binary, "-c", str(self.directory / "mosquitto.conf")], lambda: _accepts_tcp(port), cwd=self.directory)


def start_jiedao_postgres(owner_role: str, app_role: str, **options: Any) -> PostgresCluster:
    """A started ``PostgresCluster`` with Jiedao's two roles: ``owner_role`` (CREATEDB; owns
    the tables, runs migrations) and ``app_role`` (bound by row-level security).

    The kit's ``postgres`` fixture is the first cluster; the multi-cluster (cells) tests start a
    second one with this, session-scoped, only where they need it. Call ``stop()`` when done.
    """
    cluster = PostgresCluster(**options)
    cluster.start()
    try:
        cluster.create_role(owner_role)
        cluster.create_role(app_role)
        cluster.execute(f"ALTER ROLE {_quote_ident(owner_role)} CREATEDB")
    except BaseException:
        cluster.stop()
        raise
    return cluster
