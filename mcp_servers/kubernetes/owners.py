"""Owner chains: the controllers above an object (Pod <- ReplicaSet <- Deployment), read level by level.

Each level costs a read, so a live `get_pod` cost three round trips where one object was asked
for. The controller of an object that was read is remembered by the object's uid: an
ownerReference names its owner by uid, and a uid belongs to one object for its whole life (a
Deployment deleted and created again under the same name has a new one, so its pods' references
miss and are read again). What can change in place (an object orphaned, then adopted by another
controller) is rare, and an entry is trusted for `TTL_SECONDS` only. `names` (get_pod: only the
chain) uses what is remembered; `chain` (whatever needs the owner itself) reads every level.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from mcp_servers.kubernetes import summaries
from mcp_servers.kubernetes.backend import Backend, KubeObject, NotFoundError
from mcp_servers.kubernetes.models import ObjectRef
from mcp_servers.kubernetes.resources import RESOURCE_BY_KIND

MAX_DEPTH = 4
TTL_SECONDS = 60.0
MAX_REMEMBERED = 4096  # objects; a few hundred bytes each

Top = tuple[ObjectRef, KubeObject]


class OwnerChains:
    def __init__(self, backend: Backend, *, ttl_seconds: float = TTL_SECONDS) -> None:
        self._backend = backend
        self._ttl = ttl_seconds
        self._controllers: OrderedDict[str, tuple[float, ObjectRef | None, str | None]] = OrderedDict()
        self._lock = threading.Lock()

    def chain(self, obj: KubeObject, namespace: str) -> tuple[list[ObjectRef], Top | None]:
        """Controllers from the object upwards, and the topmost one that could be read."""
        return self._walk(obj, namespace, remembered=False)

    def names(self, obj: KubeObject, namespace: str) -> list[ObjectRef]:
        """The same controllers, reading only the levels not remembered."""
        return self._walk(obj, namespace, remembered=True)[0]

    def _walk(self, obj: KubeObject, namespace: str, *, remembered: bool) -> tuple[list[ObjectRef], Top | None]:
        chain: list[ObjectRef] = []
        top: Top | None = None
        ref, uid = summaries.controller_ref(obj), _controller_uid(obj)
        for _ in range(MAX_DEPTH):
            if ref is None:
                break
            chain.append(ref)
            resource = RESOURCE_BY_KIND.get(ref.kind)
            if resource is None or not resource.namespaced:
                break
            known = self._recall(uid) if remembered and uid else None
            if known is not None:
                ref, uid = known
                continue
            try:
                owner = self._backend.get(resource.name, namespace, ref.name)
            except NotFoundError:
                break
            top = (ref, owner)
            ref, uid = summaries.controller_ref(owner), _controller_uid(owner)
            self._remember(owner, ref, uid)
        return chain, top

    def _recall(self, uid: str) -> tuple[ObjectRef | None, str | None] | None:
        with self._lock:
            entry = self._controllers.get(uid)
            if entry is None or time.monotonic() - entry[0] > self._ttl:
                return None
            return entry[1], entry[2]

    def _remember(self, owner: KubeObject, controller: ObjectRef | None, controller_uid: str | None) -> None:
        uid = (owner.get("metadata") or {}).get("uid")
        if not uid:
            return
        with self._lock:
            self._controllers[uid] = (time.monotonic(), controller, controller_uid)
            self._controllers.move_to_end(uid)
            while len(self._controllers) > MAX_REMEMBERED:
                self._controllers.popitem(last=False)


def _controller_uid(obj: KubeObject) -> str | None:
    """The uid of the owner `summaries.controller_ref` names."""
    entry = summaries.controller_entry(obj)
    return str(entry.get("uid") or "") or None if entry else None
