"""What `get_rollout_history` returns: a workload's revisions and what changed between them.

Every value shown has been through the same redaction as `get_pod` (secret-named env literals
hidden whole, secret-like strings replaced), so a diff can say *that* a secret changed, never
what it was or became.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

RolloutKind = Literal["Deployment", "StatefulSet", "DaemonSet"]


class FieldChange(BaseModel):
    field: str = Field(description="Which field of the pod template, e.g. 'containers[app].image'.")
    before: str | None = Field(None, description="The older revision's value; None when the field was added.")
    after: str | None = Field(None, description="The newer revision's value; None when the field was removed.")


class RevisionChange(BaseModel):
    from_revision: int
    to_revision: int
    at: str | None = Field(None, description="When the newer revision was created.")
    change_cause: str | None = Field(None, description="The newer revision's kubernetes.io/change-cause.")
    changes: list[FieldChange] = Field(description="Field-level differences of the pod template.")
    truncated: bool = False


class Revision(BaseModel):
    revision: int
    name: str = Field(description="The ReplicaSet (Deployment) or ControllerRevision holding this revision.")
    created_at: str | None = None
    change_cause: str | None = None
    images: list[str] = Field(default_factory=list)
    desired_replicas: int | None = Field(None, description="ReplicaSets only: what it asks for.")
    replicas: int = Field(0, description="Pods of this revision.")
    ready_replicas: int = 0
    current: bool = Field(False, description="The revision the controller is rolling out or runs.")


class RolloutHistory(BaseModel):
    kind: RolloutKind
    namespace: str
    name: str
    current_revision: int | None = None
    revisions: list[Revision] = Field(description="Newest first.")
    changes: list[RevisionChange] = Field(description="Between consecutive revisions, newest first.")
    notes: list[str] = Field(default_factory=list)
    truncated: bool = Field(description="True when older revisions exist than were returned.")
