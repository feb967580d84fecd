"""Is a TCP port free to listen on? Checked before serving, so a taken port is one clear line
naming the port and the option that changes it, instead of a traceback after start-up."""

from __future__ import annotations

import socket


def port_problem(host: str, port: int) -> str | None:
    """Why nothing can listen on ``host:port`` now (e.g. "Address already in use"), or None."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers bind: TIME_WAIT is not "taken"
        try:
            probe.bind((host, port))
        except OSError as error:
            return error.strerror or str(error)
    return None
