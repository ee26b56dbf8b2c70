"""The incidents table, written once for both backends in their types for a time and a JSON document.

A new column goes into `incidents_schema` (new databases) and into each backend's upgrades
(existing ones); `schema_changes` picks what a database at a given version still needs.
"""

from __future__ import annotations

# Each time an Alertmanager group fires anew it opens its next episode; this index lets exactly
# one of several concurrent notifications create an episode (cluster '' is the default cluster).
ALERT_EPISODE_INDEX = (
    "CREATE UNIQUE INDEX incidents_alert_episode ON incidents (alert_group, COALESCE(cluster, ''), alert_episode)"
    " WHERE alert_group IS NOT NULL"
)


def incidents_schema(time_type: str, json_type: str) -> list[str]:
    """The statements that create the incidents table as it is now, in a backend's types for a time and
    a JSON document. A new column goes here, and into each backend's upgrades for existing databases."""
    return [
        f"""CREATE TABLE incidents (
            incident_id TEXT PRIMARY KEY,
            description TEXT NOT NULL,
            namespace TEXT,
            pod TEXT,
            status TEXT NOT NULL CHECK (status IN ('pending', 'investigating', 'completed', 'failed')),
            step TEXT,
            created_at {time_type} NOT NULL,
            updated_at {time_type} NOT NULL,
            error TEXT,
            result {json_type},
            cluster TEXT,
            source TEXT NOT NULL DEFAULT 'api',
            alerts {json_type},
            resolved_at {time_type},
            alert_group TEXT,
            alert_episode INTEGER,
            lease_owner TEXT,
            lease_expires_at {time_type},
            claims INTEGER NOT NULL DEFAULT 0
        )""",
        "CREATE INDEX incidents_newest ON incidents (created_at DESC, incident_id DESC)",
        "CREATE INDEX incidents_by_status ON incidents (status, created_at DESC, incident_id DESC)",
        "CREATE INDEX incidents_by_lease_owner ON incidents (lease_owner)",
        ALERT_EPISODE_INDEX,
    ]


def schema_changes(version: int, schema: list[str], upgrades: list[list[str]]) -> list[str]:
    """What brings a database at schema `version` (0: a new one) to version len(upgrades) + 1."""
    return schema if version == 0 else [statement for upgrade in upgrades[version - 1 :] for statement in upgrade]
