"""Bulk provisioning of a simulated fleet: ``devices`` registered per street in one
multi-row INSERT per street (not one GraphQL call per device), and their MQTT accounts
written to Mosquitto's password and ACL files in one pass (``provision.issue`` rewrites both
files per device, quadratic for 150,000 devices).

The ACL blocks are ``provision.device_acl_block``'s, the same a device provisioned one by one
gets, so what the bench proves about them holds for real devices.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import insert, select

from jiedao.plugins.sensors.loadgen.profiles import device_ids
from jiedao.plugins.sensors.loadgen.schedule import SimDevice
from jiedao.plugins.sensors.models import Device
from jiedao.plugins.sensors.provision import device_acl_block, mosquitto_hash, username_of

INSERT_CHUNK = 5000


async def register_fleet(kernel, streets: Sequence[str], devices: int) -> dict[str, int]:
    """Register ``devices`` simulated devices (``profiles.device_ids``) in each street that has
    none of them yet, one transaction per street; returns how many were added per street."""
    added: dict[str, int] = {}
    wanted = device_ids(devices)
    for street in streets:
        street_id = kernel.street_id(street)
        async with kernel.db.transaction(street_id) as session:
            have = set((await session.scalars(select(Device.device_id))).all())
            rows = [{"street_id": street_id, "device_id": d, "kind": k, "name": f"sim {d}", "status": "UNKNOWN", "latest": {}, "pending": {}}
                    for d, k in wanted if d not in have]
            for start in range(0, len(rows), INSERT_CHUNK):
                await session.execute(insert(Device), rows[start:start + INSERT_CHUNK])
        added[street] = len(rows)
    return added


async def fleet_of(kernel, streets: Sequence[str]) -> list[SimDevice]:
    """The registered devices of ``streets`` (every kind), as devices to play."""
    found: list[SimDevice] = []
    for street in streets:
        async with kernel.db.transaction(kernel.street_id(street)) as session:
            rows = (await session.execute(select(Device.device_id, Device.kind).where(Device.status != "RETIRED").order_by(Device.id))).all()
        found += [SimDevice(street, device_id, kind) for device_id, kind in rows]
    return found


def write_credentials(fleet: Sequence[SimDevice], prefix: str, password_file: str | os.PathLike, acl_file: str | os.PathLike,
                      secrets_file: str | os.PathLike | None = None) -> dict[str, str]:
    """Issue MQTT accounts for every device of ``fleet`` at once: the password file and ACL
    file keep their other accounts and get one entry and one block per device (replacing the
    device's earlier ones). Returns {username: password}; with ``secrets_file`` also writes it
    there as JSON (mode 0600) for ``simulate --credentials``."""
    passwords, acl = Path(password_file), Path(acl_file)
    issued = {username_of(d.street, d.device_id): secrets.token_urlsafe(18) for d in fleet}
    kept = [line for line in (passwords.read_text().splitlines() if passwords.exists() else []) if line.split(":", 1)[0] not in issued]
    passwords.parent.mkdir(parents=True, exist_ok=True)
    passwords.write_text("".join(f"{line}\n" for line in kept) + "".join(f"{user}:{mosquitto_hash(pw)}\n" for user, pw in issued.items()))
    passwords.chmod(0o600)
    text = acl.read_text() if acl.exists() else ""
    if text:  # drop the fleet's earlier blocks
        block = re.compile(r"^# device (\S+)\n(?:.*\n)*?# end \1\n", re.MULTILINE)
        text = block.sub(lambda m: "" if m.group(1) in issued else m.group(0), text)
    acl.parent.mkdir(parents=True, exist_ok=True)
    acl.write_text(text + "".join(device_acl_block(d.street, d.device_id, prefix) for d in fleet))
    if secrets_file is not None:
        target = Path(secrets_file)
        target.write_text(json.dumps(issued))
        target.chmod(0o600)
    return issued
