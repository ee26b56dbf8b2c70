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
            claims INTEGER NOT NULL DEFAULT 0,
            verdict_rule TEXT,
            verdict_category TEXT,
            culprit TEXT,
            notify_targets TEXT,
            description_redactions INTEGER NOT NULL DEFAULT 0
        )""",
        "CREATE INDEX incidents_newest ON incidents (created_at DESC, incident_id DESC)",
        "CREATE INDEX incidents_by_status ON incidents (status, created_at DESC, incident_id DESC)",
        "CREATE INDEX incidents_by_lease_owner ON incidents (lease_owner)",
        ALERT_EPISODE_INDEX,
        *verdict_tables(time_type),
        *outbox_tables(time_type),
        *session_tables(time_type),
    ]


# Earlier incidents of one cluster, culprit and category, newest first: one index range, so the
# lookup stays a few milliseconds however many incidents there are.
SEEN_BEFORE_INDEX = (
    "CREATE INDEX incidents_seen_before ON incidents "
    "(COALESCE(cluster, ''), culprit, verdict_category, created_at DESC) WHERE culprit IS NOT NULL"
)


def verdict_tables(time_type: str) -> list[str]:
    """The feedback on verdicts (one per incident) and the seen-before index."""
    return [
        f"""CREATE TABLE feedback (
            incident_id TEXT PRIMARY KEY REFERENCES incidents (incident_id) ON DELETE CASCADE,
            verdict TEXT NOT NULL CHECK (verdict IN ('confirmed', 'rejected')),
            actual_category TEXT,
            actual_component TEXT,
            comment TEXT,
            author TEXT,
            created_at {time_type} NOT NULL
        )""",
        SEEN_BEFORE_INDEX,
        "CREATE INDEX incidents_by_verdict_rule ON incidents (verdict_rule) WHERE verdict_rule IS NOT NULL",
    ]


def verdict_upgrade(time_type: str) -> list[str]:
    """What an existing database needs for feedback and seen-before (the incidents' new columns first)."""
    return [
        "ALTER TABLE incidents ADD COLUMN verdict_rule TEXT",
        "ALTER TABLE incidents ADD COLUMN verdict_category TEXT",
        "ALTER TABLE incidents ADD COLUMN culprit TEXT",
        *verdict_tables(time_type),
    ]


def schema_changes(version: int, schema: list[str], upgrades: list[list[str]]) -> list[str]:
    """What brings a database at schema `version` (0: a new one) to version len(upgrades) + 1."""
    return schema if version == 0 else [statement for upgrade in upgrades[version - 1 :] for statement in upgrade]


def outbox_tables(time_type: str) -> list[str]:
    """The notifications outbox: one row per incident and target, claimed with a lease like incidents."""
    return [
        f"""CREATE TABLE notifications (
            notification_id TEXT PRIMARY KEY,
            incident_id TEXT NOT NULL REFERENCES incidents (incident_id) ON DELETE CASCADE,
            target TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            next_attempt_at {time_type} NOT NULL,
            lease_owner TEXT,
            lease_expires_at {time_type},
            created_at {time_type} NOT NULL,
            finished_at {time_type}
        )""",
        "CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE status = 'pending'",
        "CREATE INDEX notifications_of_incident ON notifications (incident_id)",
        "CREATE INDEX incidents_to_notify ON incidents (updated_at) WHERE notify_targets IS NOT NULL",
    ]


def outbox_upgrade(time_type: str) -> list[str]:
    """The incidents' column of targets still to enqueue, then the outbox."""
    return ["ALTER TABLE incidents ADD COLUMN notify_targets TEXT", *outbox_tables(time_type)]


def session_tables(time_type: str) -> list[str]:
    """The web UI sessions ended by logging out, until their cookie would have expired anyway."""
    return [
        f"""CREATE TABLE ui_session_revocations (
            session_id TEXT PRIMARY KEY,
            expires_at {time_type} NOT NULL
        )""",
        "CREATE INDEX ui_session_revocations_expiry ON ui_session_revocations (expires_at)",
    ]


def guards_upgrade(time_type: str) -> list[str]:
    """The count of secrets redacted from each description, then the revoked UI sessions."""
    return [
        "ALTER TABLE incidents ADD COLUMN description_redactions INTEGER NOT NULL DEFAULT 0",
        *session_tables(time_type),
    ]
