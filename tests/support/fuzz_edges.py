"""The edge values of issue 17, as requests for every operation of the REST API that takes input.

A generated fuzz run rarely hits them, so they are sent on purpose, through the same schemathesis
checks: times with no UTC equivalent (`0001-01-01T00:00:00+14:00`, `9999-12-31T23:59:59-14:00`),
a NUL character in every string and every key of a body, numbers far outside any column
(`10**4000`, `1e308`, `Infinity`, `-1`), JSON nested deeper than a parser or a recursive walk
expects, and list cursors forged from those same values. `edge_requests()` yields
`(path, method, request parts)` for `APIOperation.Case(**parts)`; `raw_bodies()` are bodies no
JSON library writes (100,000 levels deep, `1e999`, `NaN`), sent as raw text.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

NO_UTC_TIMES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]
HUGE_NUMBERS: list[Any] = [10**4000, -(10**30), 2**63, 1e308, -1]
# Numbers JSON cannot write but Python's parser reads (1e999 is valid JSON and parses to inf).
NON_FINITE = ["1e999", "-1e999", "NaN", "Infinity"]
DEPTHS = [64, 900]  # well within Python's recursion limit, and just under it
TOO_DEEP = 100_000  # past any parser's limit: sent as raw text, no JSON library writes it

INCIDENTS = "/api/v1/incidents"
INCIDENT = "/api/v1/incidents/{incident_id}"
FEEDBACK = "/api/v1/incidents/{incident_id}/feedback"
ALERTMANAGER = "/api/v1/alerts/alertmanager"


def notification(**alert: Any) -> dict[str, Any]:
    """A valid Alertmanager webhook body (version 4) with one alert, `alert` overriding its fields."""
    firing = {
        "status": "firing",
        "labels": {"alertname": "KubePodCrashLooping", "namespace": "shop", "pod": "auth-0"},
        "annotations": {"summary": "auth-0 restarts"},
        "startsAt": "2026-11-07T14:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example/graph",
        "fingerprint": "c0ffee",
        **alert,
    }
    return {
        "version": "4",
        "groupKey": '{}:{alertname="KubePodCrashLooping"}',
        "truncatedAlerts": 0,
        "status": firing["status"],
        "receiver": "sre",
        "groupLabels": {"alertname": "KubePodCrashLooping"},
        "commonLabels": {"namespace": "shop"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example",
        "alerts": [firing],
    }


def with_nul_everywhere(document: Any) -> Iterator[Any]:
    """Copies of `document`, each with a NUL character in one of its strings or keys."""
    if isinstance(document, str):
        yield f"{document[:1]}\x00{document[1:]}"
    elif isinstance(document, dict):
        for key, value in document.items():
            renamed = {(f"{key}\x00" if k == key else k): v for k, v in document.items()}
            yield renamed
            for variant in with_nul_everywhere(value):
                yield {**document, key: variant}
    elif isinstance(document, list):
        for index, item in enumerate(document):
            for variant in with_nul_everywhere(item):
                yield [*document[:index], variant, *document[index + 1 :]]


def nested(depth: int) -> Any:
    """A JSON value `depth` levels deep, half objects and half lists."""
    value: Any = "bottom"
    for level in range(depth):
        value = {"n": value} if level % 2 else [value]
    return value


def too_deep(depth: int = TOO_DEEP) -> str:
    """JSON text nested `depth` lists deep."""
    return "[" * depth + "]" * depth


def raw_bodies() -> Iterator[str]:
    """Bodies no JSON library writes: nested too deep, or with a number that is not finite."""
    yield too_deep()
    for number in NON_FINITE:
        yield json.dumps(notification()).replace('"truncatedAlerts": 0', f'"truncatedAlerts": {number}')
        yield json.dumps(notification()).replace('"fingerprint": "c0ffee"', f'"fingerprint": {number}')


def cursor(position: Any) -> str:
    """A cursor as the API spells one (base64url JSON, no padding), holding anything (text: as is)."""
    text = position if isinstance(position, str) else json.dumps(position, allow_nan=True)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _alertmanager_bodies() -> Iterator[dict[str, Any]]:
    for time in NO_UTC_TIMES:
        yield notification(startsAt=time)
        yield notification(endsAt=time)
        yield notification(status="resolved", endsAt=time)
    yield from with_nul_everywhere(notification())
    for number in HUGE_NUMBERS:
        yield {**notification(), "truncatedAlerts": number}
        yield notification(labels={"alertname": "X", "replicas": number}, fingerprint=number)
    for depth in DEPTHS:
        yield {**notification(), "extra": nested(depth)}
        yield notification(labels=nested(depth))
        yield {**notification(), "alerts": [notification()["alerts"][0], nested(depth)]}


def _forged_cursors() -> Iterator[str]:
    for time in NO_UTC_TIMES:
        yield cursor([time, "z"])
    for number in HUGE_NUMBERS:
        yield cursor([number, "z"])
        yield cursor(["2026-11-07T14:00:00Z", number])
    yield cursor(["2026-11-07T14:00:00Z", "z\x00"])
    yield cursor(["2026-11-07T14:00:00\x00Z", "z"])
    yield cursor({"created_at": "2026-11-07T14:00:00Z"})
    yield cursor(too_deep(2000))  # past the recursion limit, and still a URL a server reads
    yield "\x00"
    yield "////"
    yield base64.urlsafe_b64encode(b"\xff\xfe not utf-8").decode()


def edge_requests(incident_id: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every edge request: (path, method, keyword arguments of `APIOperation.Case`); feedback goes to
    `incident_id`, an incident of the server, so its body is read rather than refused as unknown."""
    for body in _alertmanager_bodies():
        yield ALERTMANAGER, "POST", {"body": body}
    incident = {"description": "auth-0 crashloops in shop", "namespace": "shop", "pod": "auth-0"}
    for body in [*with_nul_everywhere(incident), {**incident, "extra": nested(DEPTHS[1])}, nested(DEPTHS[1])]:
        yield INCIDENTS, "POST", {"body": body}
    for forged in _forged_cursors():
        yield INCIDENTS, "GET", {"query": {"cursor": forged}}
    for limit in [*HUGE_NUMBERS, "1\x00"]:
        yield INCIDENTS, "GET", {"query": {"limit": limit}}
    yield INCIDENTS, "GET", {"query": {"status": "completed\x00"}}
    for forged_id in ["a\x00b", "x" * 5000, "../../etc/passwd", "%00"]:
        yield INCIDENT, "GET", {"path_parameters": {"incident_id": forged_id}}
        yield FEEDBACK, "GET", {"path_parameters": {"incident_id": forged_id}}
        yield FEEDBACK, "POST", {"path_parameters": {"incident_id": forged_id}, "body": {"verdict": "confirmed"}}
    feedback = {"verdict": "rejected", "actual_category": "dns_resolution_failure", "actual_component": "users-db"}
    for body in [*with_nul_everywhere(feedback), {**feedback, "note": nested(DEPTHS[1])}, nested(DEPTHS[1])]:
        yield FEEDBACK, "POST", {"path_parameters": {"incident_id": incident_id}, "body": body}
