"""Per-device MQTT credentials in Mosquitto's own files: a password entry and an ACL block
that lets the device publish only under its own topics.

The files live at ``JIEDAO_MQTT_PASSWORD_FILE`` and ``JIEDAO_MQTT_ACL_FILE`` (defaults
``var/mosquitto/passwords`` and ``var/mosquitto/acl``, relative to the working directory);
``jiedao sensors provision|retire`` write them and the embedded broker enforces them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

ITERATIONS = 101
DEFAULT_PASSWORD_FILE = "var/mosquitto/passwords"
DEFAULT_ACL_FILE = "var/mosquitto/acl"


def password_file() -> Path:
    """The Mosquitto password file: ``JIEDAO_MQTT_PASSWORD_FILE`` or ``var/mosquitto/passwords``."""
    return Path(os.environ.get("JIEDAO_MQTT_PASSWORD_FILE") or DEFAULT_PASSWORD_FILE)


def acl_file() -> Path:
    """The Mosquitto ACL file: ``JIEDAO_MQTT_ACL_FILE`` or ``var/mosquitto/acl``."""
    return Path(os.environ.get("JIEDAO_MQTT_ACL_FILE") or DEFAULT_ACL_FILE)


def mosquitto_hash(password: str, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    """A Mosquitto 2 password hash (``$7$``: PBKDF2-HMAC-SHA512), as mosquitto_passwd writes it."""
    salt = salt or os.urandom(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations)
    return f"$7${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify(password: str, hashed: str) -> bool:
    """Whether ``password`` matches a Mosquitto ``$7$`` (PBKDF2-HMAC-SHA512) hash; False for any
    other or malformed hash."""
    if not hashed.startswith("$7$"):
        return False
    try:
        _, _, iterations, salt, digest = hashed.split("$")
        expected = base64.b64decode(digest, validate=True)
        actual = hashlib.pbkdf2_hmac("sha512", password.encode(), base64.b64decode(salt, validate=True), int(iterations))
    except (ValueError, binascii.Error):
        return False
    return hmac.compare_digest(actual, expected)


def username_of(street: str, device_id: str) -> str:
    """The broker account of a device: unique across streets. Refuses a device id with a
    colon, which Mosquitto's password file (``user:hash``) cannot hold."""
    if ":" in device_id:
        raise ValueError(f"device id '{device_id}' contains ':', which a Mosquitto account name cannot hold; register the device under an id without one")
    return f"{street}.{device_id}"


def _account_of(line: str) -> str:
    return line.split(":", 1)[0]


def _replace_block(text: str, username: str, block: str, kind: str = "device") -> str:
    pattern = re.compile(rf"^# {kind} {re.escape(username)}\n(?:.*\n)*?# end {re.escape(username)}\n", re.MULTILINE)
    return pattern.sub("", text) + block


def _accounts_except(lines: list[str], username: str) -> list[str]:
    """The password-file ``lines`` but ``username``'s."""
    return [line for line in lines if _account_of(line) != username]


def _write_password(passwords: Path, username: str, password: str) -> None:
    passwords.parent.mkdir(parents=True, exist_ok=True)
    lines = _accounts_except(passwords.read_text().splitlines() if passwords.exists() else [], username)
    lines.append(f"{username}:{mosquitto_hash(password)}")
    passwords.write_text("\n".join(lines) + "\n")
    passwords.chmod(0o600)


def _write_acl_block(acl: Path, username: str, block: str, kind: str = "device") -> None:
    """Replace ``username``'s block of the ACL file with ``block`` (creating the file)."""
    acl.parent.mkdir(parents=True, exist_ok=True)
    acl.write_text(_replace_block(acl.read_text() if acl.exists() else "", username, block, kind))


def issue(street: str, device_id: str, prefix: str, password_file: str | os.PathLike, acl_file: str | os.PathLike) -> tuple[str, str]:
    """Create or rotate the device's credentials; returns (username, password).

    Re-issuing replaces the previous password and ACL block of that device only.
    """
    username = username_of(street, device_id)
    password = secrets.token_urlsafe(18)
    _write_password(Path(password_file), username, password)
    _write_acl_block(Path(acl_file), username, device_acl_block(street, device_id, prefix))
    return username, password


def device_acl_block(street: str, device_id: str, prefix: str) -> str:
    """The device's block of the ACL file: it may publish its own telemetry and events and use
    its own status topic, nothing else."""
    username = username_of(street, device_id)
    base = f"{prefix}/{street}/devices/{device_id}"
    return f"# device {username}\nuser {username}\ntopic write {base}/telemetry\ntopic write {base}/events\ntopic readwrite {base}/status\n# end {username}\n"


SERVICE_ACCESS = ("read", "write", "readwrite")


def service_filter(prefix: str, access: str) -> str:
    """The topics a service account of ``access`` may use: a writer (the simulator) speaks as
    devices only, never on the alarm relay's ``{prefix}/{street}/alarms/changed``, whose
    messages reach residents' screens; readers and the relay (readwrite) use every topic."""
    return f"{prefix}/+/devices/#" if access == "write" else f"{prefix}/#"


def issue_service(name: str, prefix: str, access: str, password_file: str | os.PathLike, acl_file: str | os.PathLike) -> tuple[str, str]:
    """Create or rotate a service account of Jiedao's own out-of-process clients (``jiedao
    sensors ingest`` needs ``read``, ``simulate`` ``write``, the alarm relay ``readwrite``) with
    ``access`` to the topics under ``prefix`` (``service_filter``); returns (username, password).

    Service names must not contain a dot, so they cannot collide with device accounts
    (``street.device``).
    """
    if access not in SERVICE_ACCESS:
        raise ValueError(f"access must be one of {', '.join(SERVICE_ACCESS)}, not '{access}'")
    if not re.fullmatch(r"[A-Za-z0-9_\-]{1,64}", name):
        raise ValueError("a service name is 1-64 letters, digits, '_' or '-'")
    password = secrets.token_urlsafe(18)
    _write_password(Path(password_file), name, password)
    _write_acl_block(Path(acl_file), name, f"# service {name}\nuser {name}\ntopic {access} {service_filter(prefix, access)}\n# end {name}\n", kind="service")
    return name, password


def revoke(street: str, device_id: str, password_file: str | os.PathLike, acl_file: str | os.PathLike) -> bool:
    """Remove the device's password entry and ACL block, leaving every other line alone.

    Missing files are fine (nothing to remove); returns whether anything was removed.
    """
    username = username_of(street, device_id)
    removed = False
    passwords, acl = Path(password_file), Path(acl_file)
    if passwords.exists():
        lines = passwords.read_text().splitlines()
        kept = _accounts_except(lines, username)
        if len(kept) != len(lines):
            passwords.write_text("".join(line + "\n" for line in kept))
            removed = True
    if acl.exists():
        text = acl.read_text()
        stripped = _replace_block(text, username, "")
        if stripped != text:
            acl.write_text(stripped)
            removed = True
    return removed
