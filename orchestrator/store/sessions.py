"""The web UI sessions ended by logging out, in the incidents' own database.

A session cookie is signed, not stored, so logging out cannot take it back from whoever copied
it: the session's id is recorded here instead, until the moment the cookie would have expired
anyway, and a cookie whose id is here is refused. In the store rather than in memory, so every
replica sharing the database (PostgreSQL) refuses it, and a restart forgets nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any


class SessionQueries:
    """Mixed into IncidentStore, which supplies _execute, _param and the dialect's clock."""

    NOW: str

    async def _execute(self, sql: str, params: Sequence[Any] = ()) -> list[Mapping[str, Any]]:
        raise NotImplementedError

    def _param(self, value: Any) -> Any:
        raise NotImplementedError

    async def revoke_session(self, session_id: str, expires_at: datetime) -> None:
        """Refuse the session from now until `expires_at`; revocations already past it are forgotten."""
        await self._execute(
            f"DELETE FROM ui_session_revocations WHERE expires_at < {self.NOW}"  # noqa: S608 (constant SQL)
        )
        await self._execute(
            "INSERT INTO ui_session_revocations (session_id, expires_at) VALUES (%s, %s) "
            "ON CONFLICT (session_id) DO NOTHING",
            [session_id, self._param(expires_at)],
        )

    async def session_revoked(self, session_id: str) -> bool:
        rows = await self._execute("SELECT 1 FROM ui_session_revocations WHERE session_id = %s", [session_id])
        return bool(rows)
