"""PersistentVolumeClaims, bound or stuck Pending."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from . import ids
from .clock import NOW, rfc3339, seconds
from .events import Event, ObjectRef
from .spec import Json

PROVISIONERS = {
    "gp3": "ebs.csi.aws.com",
    "gp2": "kubernetes.io/aws-ebs",
    "local-path": "rancher.io/local-path",
    "standard": "rancher.io/local-path",
    "ceph-rbd": "rbd.csi.ceph.com",
}


@dataclass
class Claim:
    namespace: str
    name: str
    size: str
    storage_class: str
    created: datetime
    labels: dict[str, str] = field(default_factory=dict)
    access_mode: str = "ReadWriteOnce"
    bound: bool = True
    selected_node: str | None = None
    provisioning_error: str | None = None  # why it stays Pending (ProvisioningFailed events)

    @property
    def uid(self) -> str:
        return ids.uid("PersistentVolumeClaim", self.namespace, self.name)

    def ref(self) -> ObjectRef:
        return ObjectRef("PersistentVolumeClaim", self.namespace, self.name, self.uid)

    def render(self, rv: str) -> Json:
        annotations: Json = {}
        provisioner = PROVISIONERS.get(self.storage_class)
        if self.bound:
            annotations |= {"pv.kubernetes.io/bind-completed": "yes", "pv.kubernetes.io/bound-by-controller": "yes"}
        if provisioner:
            annotations |= {
                "volume.beta.kubernetes.io/storage-provisioner": provisioner,
                "volume.kubernetes.io/storage-provisioner": provisioner,
            }
        if self.selected_node:
            annotations["volume.kubernetes.io/selected-node"] = self.selected_node
        metadata: Json = {
            "name": self.name,
            "namespace": self.namespace,
            "uid": self.uid,
            "resourceVersion": rv,
            "creationTimestamp": rfc3339(self.created),
        }
        if self.labels:
            metadata["labels"] = dict(self.labels)
        if annotations:
            metadata["annotations"] = annotations
        metadata["finalizers"] = ["kubernetes.io/pvc-protection"]
        spec: Json = {
            "accessModes": [self.access_mode],
            "resources": {"requests": {"storage": self.size}},
            "storageClassName": self.storage_class,
            "volumeMode": "Filesystem",
        }
        if self.bound:
            spec["volumeName"] = f"pvc-{self.uid}"
            status: Json = {"phase": "Bound", "accessModes": [self.access_mode], "capacity": {"storage": self.size}}
        else:
            status = {"phase": "Pending"}
        return {"metadata": metadata, "spec": spec, "status": status}

    def events(self) -> list[Event]:
        if self.bound or not self.provisioning_error:
            return []
        count = max(2, int((NOW - self.created).total_seconds() // 15))
        return [
            Event(
                self.ref(),
                "ProvisioningFailed",
                self.provisioning_error,
                self.created + seconds(1),
                NOW - seconds(9),
                count,
                "Warning",
                "persistentvolume-controller",
            )
        ]
