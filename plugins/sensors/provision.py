"""Per-device MQTT credentials in Mosquitto's own files: a password entry and an ACL block
that lets the device publish only under its own topics."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
from pathlib import Path

ITERATIONS = 101


def mosquitto_hash(password: str, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    """A Mosquitto 2 password hash (``$7$``: PBKDF2-HMAC-SHA512), as mosquitto_passwd writes it."""
    salt = salt or os.urandom(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations)
    return f"$7${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def username_of(street: str, device_id: str) -> str:
    """The broker account of a device: unique across streets."""
    return f"{street}.{device_id}"


def _replace_block(text: str, username: str, block: str) -> str:
    pattern = re.compile(rf"^# device {re.escape(username)}\n(?:.*\n)*?# end {re.escape(username)}\n", re.MULTILINE)
    return pattern.sub("", text) + block


def issue(street: str, device_id: str, prefix: str, password_file: str | os.PathLike, acl_file: str | os.PathLike) -> tuple[str, str]:
    """Create or rotate the device's credentials; returns (username, password).

    Re-issuing replaces the previous password and ACL block of that device only.
    """
    username = username_of(street, device_id)
    password = secrets.token_urlsafe(18)
    passwords, acl = Path(password_file), Path(acl_file)
    passwords.parent.mkdir(parents=True, exist_ok=True)
    acl.parent.mkdir(parents=True, exist_ok=True)
    lines = [line for line in (passwords.read_text().splitlines() if passwords.exists() else []) if not line.startswith(username + ":")]
    lines.append(f"{username}:{mosquitto_hash(password)}")
    passwords.write_text("\n".join(lines) + "\n")
    passwords.chmod(0o600)
    base = f"{prefix}/{street}/devices/{device_id}"
    block = f"# device {username}\nuser {username}\ntopic write {base}/telemetry\ntopic write {base}/events\ntopic readwrite {base}/status\n# end {username}\n"
    acl.write_text(_replace_block(acl.read_text() if acl.exists() else "", username, block))
    return username, password
