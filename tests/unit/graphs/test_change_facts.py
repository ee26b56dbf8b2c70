"""Change facts: a workload's revisions set against the onset of the failure (graphs/changes.py)."""

from __future__ import annotations

from graphs import changes
from graphs.models import CollectedEvidence
from mcp_servers.kubernetes.history_models import FieldChange, Revision, RevisionChange, RolloutHistory
from mcp_servers.kubernetes.models import (
    ContainerInfo,
    ContainerState,
    EventInfo,
    ObjectRef,
    PodDetail,
    PodDiagnosis,
)

POD = "api-7d9f-x2"


def _history(old_ready: int = 2, old_pods: int = 2) -> RolloutHistory:
    return RolloutHistory(
        kind="Deployment",
        namespace="shop",
        name="api",
        current_revision=4,
        revisions=[
            Revision(revision=4, name="api-7d9f", created_at="2026-11-20T03:00:00Z", replicas=1, current=True),
            Revision(revision=3, name="api-5c4b", replicas=old_pods, ready_replicas=old_ready),
        ],
        changes=[
            RevisionChange(
                from_revision=3,
                to_revision=4,
                at="2026-11-20T03:00:00Z",
                changes=[
                    FieldChange(field="containers[app].resources.limits.memory", before="1Gi", after="512Mi"),
                    FieldChange(field="annotations[team]", before="a", after="b"),
                    FieldChange(field="initContainers[migrate].image", before=None, after="migrate:1"),
                ],
            )
        ],
        truncated=False,
    )


def _diagnosis(events: list[EventInfo], owner: str = "api-7d9f") -> PodDiagnosis:
    container = ContainerInfo(
        name="app",
        image="api:2",
        restart_count=3,
        state=ContainerState(state="waiting", reason="CrashLoopBackOff"),
        last_state=ContainerState(
            state="terminated", reason="OOMKilled", exit_code=137, finished_at="2026-11-20T03:10:00Z"
        ),
    )
    pod = PodDetail(
        namespace="shop",
        name=POD,
        phase="Running",
        status="CrashLoopBackOff",
        containers=[container],
        owner_chain=[ObjectRef(kind="ReplicaSet", name=owner), ObjectRef(kind="Deployment", name="api")],
        created_at="2026-11-20T03:00:05Z",
    )
    return PodDiagnosis(pod=pod, events=events, logs=[], truncated=False)


def _warning(first_seen: str) -> EventInfo:
    return EventInfo(
        type="Warning", reason="BackOff", message="Back-off restarting", object=ObjectRef(kind="Pod", name=POD),
        count=9, first_seen=first_seen, last_seen="2026-11-20T03:19:00Z",
    )  # fmt: skip


def test_each_changed_field_is_a_fact_set_against_the_first_failure() -> None:
    evidence = CollectedEvidence(diagnosis=_diagnosis([_warning("2026-11-20T03:01:30Z")]), rollout_history=_history())
    facts = changes.change_facts(evidence)
    limit, annotation, init = facts
    assert (limit["aspect"], limit["container"], limit["decreased"]) == ("memory_limit", "app", True)
    # The earliest sign wins: the back-off warning at 03:01:30, not the last termination at 03:10.
    assert limit["seconds_before_first_failure"] == 90
    assert limit["on_target"] and limit["preceded_failure"] and limit["previous_healthy"] is True
    assert limit["evidence"] == "change:Deployment/api:4"
    assert (annotation["aspect"], annotation["container"], annotation["decreased"]) == ("metadata", None, None)
    assert (init["container"], init["init"], init["before"]) == ("migrate", True, None)


def test_a_failure_older_than_the_change_is_not_preceded_by_it() -> None:
    evidence = CollectedEvidence(diagnosis=_diagnosis([_warning("2026-11-20T02:40:00Z")]), rollout_history=_history())
    fact = changes.change_facts(evidence)[0]
    assert fact["seconds_before_first_failure"] == -1200 and not fact["preceded_failure"]


def test_a_pod_of_the_previous_revision_is_not_on_the_change() -> None:
    evidence = CollectedEvidence(
        diagnosis=_diagnosis([_warning("2026-11-20T03:05:00Z")], owner="api-5c4b"), rollout_history=_history()
    )
    fact = changes.change_facts(evidence)[0]
    assert not fact["on_target"] and not fact["preceded_failure"]


def test_without_pods_of_the_previous_revision_its_health_is_unknown() -> None:
    unknown = changes.change_facts(CollectedEvidence(diagnosis=_diagnosis([]), rollout_history=_history(0, 0)))
    unready = changes.change_facts(CollectedEvidence(diagnosis=_diagnosis([]), rollout_history=_history(1, 2)))
    assert unknown[0]["previous_healthy"] is None and unready[0]["previous_healthy"] is False
    # No warning: the last non-zero termination is the earliest failure known.
    assert unknown[0]["seconds_before_first_failure"] == 600


def test_a_rollback_is_suggested_only_for_a_cited_change_whose_previous_revision_is_healthy() -> None:
    evidence = CollectedEvidence(diagnosis=_diagnosis([_warning("2026-11-20T03:01:30Z")]), rollout_history=_history())
    records = changes.change_records(evidence, {"change:Deployment/api:4"})
    assert records[0].cited and records[0].previous_healthy
    step = changes.rollback_step(records, ["container:app", "change:Deployment/api:4"])
    assert step is not None and "kubectl rollout undo deployment/api -n shop --to-revision=3" in step
    assert changes.rollback_step(records, ["container:app"]) is None
    unhealthy = CollectedEvidence(diagnosis=_diagnosis([]), rollout_history=_history(0, 2))
    assert changes.rollback_step(changes.change_records(unhealthy, set()), ["change:Deployment/api:4"]) is None


def test_the_timeline_puts_events_and_changes_on_one_axis_oldest_first() -> None:
    evidence = CollectedEvidence(diagnosis=_diagnosis([_warning("2026-11-20T03:01:30Z")]), rollout_history=_history())
    entries = changes.timeline(evidence, changes.change_records(evidence, set()))
    assert [(e.at, e.source) for e in entries] == [
        ("2026-11-20T03:00:00Z", "change"),
        ("2026-11-20T03:01:30Z", "event"),
        ("2026-11-20T03:01:30Z", "onset"),
    ]
    assert entries[0].evidence == "change:Deployment/api:4"


def test_quantities_compare_across_units() -> None:
    assert changes.quantity("512Mi") == 512 * 2**20 and changes.quantity("1G") == 1e9
    assert changes.quantity("250m") == 0.25 and changes.quantity("lots") is None
