"""Mosquitto's password and ACL files, enforced by the embedded amqtt broker.

``jiedao sensors provision`` writes per-device accounts (``$7$`` PBKDF2-SHA512 hashes) and
ACL blocks; when the password file exists, the embedded broker admits only those accounts
(and its own in-process account, see ``embedded.py``) and applies the ACL the way
Mosquitto does: ``user NAME`` starts a user's section, ``topic [read|write|readwrite|deny]
FILTER`` grants that user access, ``pattern [...] FILTER`` grants every user access with
``%u`` (username) and ``%c`` (client id) substituted; a matching ``deny`` wins. Publishing
needs ``write``, receiving a message needs ``read``, subscribing needs a ``read`` filter
covering the subscription.
Both files are re-read when they change, so provisioning or revoking a device needs no
restart (an open connection of a revoked device keeps nothing but its socket).
"""

import hmac
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from amqtt.contexts import Action
from amqtt.plugins.base import BaseAuthPlugin, BaseTopicPlugin
from amqtt.session import Session

from jiedao.plugins.sensors.provision import mosquitto_hash, verify

log = logging.getLogger("jiedao.sensors")
_UNKNOWN_ACCOUNT = mosquitto_hash("no such account")
READ, WRITE, DENY = "read", "write", "deny"
ACCESS = {"read": {READ}, "write": {WRITE}, "readwrite": {READ, WRITE}, "deny": {DENY}}


def covers(granted: str, wanted: str) -> bool:
    """Whether the ACL filter ``granted`` covers ``wanted`` (a topic, or a subscription filter:
    ``+`` in ``wanted`` needs ``+`` or ``#`` in ``granted``, ``#`` needs ``#``)."""
    have, want = granted.split("/"), wanted.split("/")
    for index, level in enumerate(have):
        if level == "#":
            return True
        if index >= len(want):
            return False
        if want[index] == "#" or (want[index] == "+" and level != "+"):
            return False
        if level not in ("+", want[index]):
            return False
    return len(have) == len(want)


@dataclass
class Rules:
    """The parsed ACL: per-user grants and the patterns applying to every user."""

    users: dict[str, list[tuple[set[str], str]]] = field(default_factory=dict)
    patterns: list[tuple[set[str], str]] = field(default_factory=list)

    def grants(self, username: str, client_id: str) -> list[tuple[set[str], str]]:
        """What ``username`` (connected as ``client_id``) may do, as (access, filter) pairs."""
        if any(c in value for value in (username, client_id) for c in "+#/"):
            return self.users.get(username, [])  # as Mosquitto: a wildcard or level in a name widens no pattern
        substituted = [(access, f.replace("%u", username).replace("%c", client_id)) for access, f in self.patterns]
        return self.users.get(username, []) + substituted


def parse_acl(text: str) -> Rules:
    """Read a Mosquitto ACL file; topic lines before any ``user`` line (anonymous clients) are
    ignored, since the embedded broker admits no anonymous client once it enforces the files."""
    rules, user = Rules(), None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        rest = rest.strip()
        if keyword == "user":
            user = rest
            rules.users.setdefault(user, [])
            continue
        if keyword not in ("topic", "pattern") or not rest:
            log.warning("ACL line not understood, ignored: %s", line)
            continue
        first, _, remainder = rest.partition(" ")
        access, topic = (ACCESS[first], remainder.strip()) if first in ACCESS and remainder.strip() else ({READ, WRITE}, rest)
        if keyword == "pattern":
            rules.patterns.append((access, topic))
        elif user is not None:
            rules.users[user].append((access, topic))
    return rules


def parse_passwords(text: str) -> dict[str, str]:
    """``username: hash`` of a Mosquitto password file."""
    users = {}
    for raw in text.splitlines():
        line = raw.strip()
        if line and not line.startswith("#") and ":" in line:
            username, hashed = line.split(":", 1)
            users[username] = hashed
    return users


class _Watched:
    """A file parsed again whenever it changes (by modification time and size)."""

    def __init__(self, path: Path, parse, missing):
        self.path, self.parse, self.missing = path, parse, missing
        self._stamp: tuple[int, int] | None = None
        self._value = missing

    def value(self):
        """The parsed content, or ``missing`` when the file does not exist."""
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            self._stamp, self._value = None, self.missing
            return self._value
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            self._value, self._stamp = self.parse(self.path.read_text(encoding="utf-8")), stamp
        return self._value


RESERVED_PREFIX = "jiedao-"
"""Client ids of Jiedao's own clients (ingester, alarm relay) start with this."""


class ClientIdGuard:
    """Who may connect with a reserved (``jiedao-``) client id: the in-process account with its
    password and, when the password file is enforced, service accounts of that file (names
    without a dot; device accounts are ``street.device``) with theirs. Nobody else, anonymous
    clients included — so no device can take the ingester's or the relay's session over."""

    def __init__(self, internal_username: str, internal_password: str, password_file: Path | None):
        self.internal_username, self.internal_password = internal_username, internal_password
        self._passwords = _Watched(password_file, parse_passwords, {}) if password_file is not None else None

    def __call__(self, username: str | None, password: str | None, client_id: str) -> bool:
        """Whether this client may use ``client_id``."""
        if not client_id.lower().startswith(RESERVED_PREFIX):
            return True
        if not username:
            return False
        if username == self.internal_username:
            return hmac.compare_digest((password or "").encode(), self.internal_password.encode())
        if self._passwords is None or "." in username:
            return False
        hashed = self._passwords.value().get(username)
        return hashed is not None and verify(password or "", hashed)


class FileAccess(BaseAuthPlugin, BaseTopicPlugin):
    """amqtt plugin: authentication against the password file, authorisation by the ACL file.

    The ``internal_username`` account (Jiedao's own in-process clients: ingester, alarm
    relay) authenticates with ``internal_password`` only and may do anything.
    """

    @dataclass
    class Config:
        """Where the files are, and the in-process account."""

        password_file: str = ""
        acl_file: str = ""
        internal_username: str = ""
        internal_password: str = ""
        enforce: bool = True
        """False (no password file, the demo): anyone may connect and publish or subscribe
        anything, but the in-process account still needs its password."""

    def __init__(self, context) -> None:
        super().__init__(context)
        self._passwords = _Watched(Path(self.config.password_file), parse_passwords, {})
        self._acl = _Watched(Path(self.config.acl_file), parse_acl, Rules())

    def _internal(self, session: Session | None) -> bool:
        return bool(session and self.config.internal_username and session.username == self.config.internal_username)

    async def authenticate(self, *, session: Session) -> bool:
        """Admit the in-process account with its secret, and accounts of the password file whose
        password matches their ``$7$`` hash; refuse everyone else, anonymous clients included."""
        if session is None or (not session.username and self.config.enforce):
            return False
        if self._internal(session):
            return hmac.compare_digest((session.password or "").encode(), self.config.internal_password.encode())
        if not self.config.enforce:
            return True
        hashed = self._passwords.value().get(session.username)
        # An unknown account costs a hash too, so timing does not tell which accounts exist.
        admitted = verify(session.password or "", hashed or _UNKNOWN_ACCOUNT) and hashed is not None
        if not admitted:
            log.info("embedded MQTT broker refused '%s' (unknown account or wrong password)", session.username)
        return admitted

    async def topic_filtering(self, *, session: Session | None = None, topic: str | None = None, action: Action | None = None) -> bool:
        """Whether the ACL lets this session publish on, subscribe to, or receive ``topic``."""
        if self._internal(session) or not self.config.enforce:
            return True
        if session is None or not session.username or not topic:
            return False
        if session.username not in self._passwords.value():
            return False  # revoked since it connected
        needed = WRITE if action == Action.PUBLISH else READ
        grants = self._acl.value().grants(session.username, session.client_id or "")
        matching = [access for access, granted in grants if covers(granted, topic)]
        allowed = any(needed in access for access in matching) and not any(DENY in access for access in matching)
        if not allowed:
            log.info("embedded MQTT broker: '%s' may not %s '%s'", session.username, action, topic)
        return allowed
