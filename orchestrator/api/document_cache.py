"""The JSON documents of finished incidents, kept in memory for GET /api/v1/incidents/{id}.

A completed or failed incident never changes again (the store refuses to update its status,
step or result), so its serialized document can be served from memory by every replica without
asking the database, validating the row into a model and dumping it again: that round trip is
most of a GET's cost. The exception is an incident from Alertmanager, whose alerts are recorded
as they resolve, by whichever replica receives the notification: it is always read from the
store, like pending and investigating ones. The cache is bounded by bytes, least recently used
first out, so it cannot grow the footprint past its budget.
"""

from __future__ import annotations

from collections import OrderedDict

from orchestrator.incidents.service import FINISHED
from orchestrator.models import Incident


def is_final(incident: Incident) -> bool:
    """Whether the incident's document can no longer change."""
    settled = all(n.status != "pending" for n in incident.notifications or ())  # deliveries still move it
    return incident.status in FINISHED and incident.source != "alertmanager" and settled


class DocumentCache:
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._documents: OrderedDict[str, bytes] = OrderedDict()
        self._bytes = 0

    def get(self, incident_id: str) -> bytes | None:
        document = self._documents.get(incident_id)
        if document is not None:
            self._documents.move_to_end(incident_id)
        return document

    def put(self, incident_id: str, document: bytes) -> None:
        """Keep a finished incident's document; one larger than the whole budget is not kept."""
        if len(document) > self.max_bytes or incident_id in self._documents:
            return
        self._documents[incident_id] = document
        self._bytes += len(document)
        while self._bytes > self.max_bytes:
            _, evicted = self._documents.popitem(last=False)
            self._bytes -= len(evicted)

    def __len__(self) -> int:
        return len(self._documents)
