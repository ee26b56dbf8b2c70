"""Who holds a lease, and whether a holder on this host is still alive."""

from __future__ import annotations

import os
import secrets
import socket


def replica_id() -> str:
    """Who holds a lease: readable in the database (host, pid) and unique even when pids repeat."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(4)}"


def dead_here(owner: str) -> bool:
    """Whether a lease owner ran on this host in a process that is gone (a crash, a SIGKILL)."""
    host, _, rest = owner.rpartition("-")[0].rpartition("-")
    pid = int(rest) if rest.isdigit() else 0
    if host != socket.gethostname() or pid <= 0:
        return False
    if pid == os.getpid():  # an earlier incarnation with our pid (pid 1 in a restarted container)
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    return False
