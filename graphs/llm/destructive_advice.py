"""Plain sentences that tell the reader to destroy something in the cluster.

`destructive_advice(text)` reads a normalised text (`normalise.py`) clause by clause and answers
the clauses that advise deleting, removing, wiping, purging, draining or scaling down a
Kubernetes object or its data, with no command in sight: "Delete the Deployment and its PVC",
"you should wipe the volume", "the fix is to scale the deployment to zero", "consider deleting
the namespace", "the PVC must be removed". An instruction planted in a log line often reads
this way, and a reader may follow it with any client.

Only advice counts: an imperative at the start of a clause, or after "you should", "we
recommend", "the fix is to", "consider", "must be". A report of what happened ("the pod was
deleted by its ReplicaSet") and advice that destroys nothing ("increase the memory limit to
512Mi") pass.
"""

from __future__ import annotations

import re

_CLAUSES = re.compile(r"[.!?;:,\n]+\s*|\s+(?:and\s+)?then\s+")

# (imperative, gerund, participle) of each verb that destroys what it names.
_VERBS = [
    ("delete", "deleting", "deleted"),
    ("force-delete", "force-deleting", "force-deleted"),
    ("remove", "removing", "removed"),
    ("wipe", "wiping", "wiped"),
    ("erase", "erasing", "erased"),
    ("purge", "purging", "purged"),
    ("destroy", "destroying", "destroyed"),
    ("drop", "dropping", "dropped"),
    ("nuke", "nuking", "nuked"),
    ("evict", "evicting", "evicted"),
    ("drain", "draining", "drained"),
    ("terminate", "terminating", "terminated"),
    ("uninstall", "uninstalling", "uninstalled"),
    ("truncate", "truncating", "truncated"),
    ("tear down", "tearing down", "torn down"),
]
_OBJECT = (
    r"(?:pods?|deployments?|deploy|statefulsets?|sts|daemonsets?|ds|replicasets?|namespaces?|pvcs?|pvs?"
    r"|persistent\s*volumes?(?:\s*claims?)?|volumes?|services?|svc|configmaps?|secrets?|nodes?|jobs?|cronjobs?"
    r"|ingress(?:es)?|crds?|(?:custom\s+)?resources?|releases?|workloads?|replicas?|data|databases?|disks?"
    r"|storage|etcd|objects?|finalizers?|containers?|clusters?|charts?|helm\s+releases?)"
)
_WITHIN = r"(?:\S+\s+){0,8}?"  # the object a few words on: "delete the stuck auth-service pod"
_SCALE_DOWN = r"(?:scale|scaling)\s+(?:down\b|(?:\S+\s+){0,5}?(?:down\b|to\s+(?:0|zero)\b))"


def _alternatives(forms: list[str]) -> str:
    return "|".join(re.escape(form) for form in forms)


_IMPERATIVE = _alternatives([verb for verb, _, _ in _VERBS])
_GERUND = _alternatives([gerund for _, gerund, _ in _VERBS])
_PARTICIPLE = _alternatives([participle for _, _, participle in _VERBS])

_PLAIN_LEAD_IN = r"(?:(?:please|just|simply|now|first|also|and|so|immediately|go\s+ahead\s+and|try\s+to|try)\s+)*"
_ADVISED_LEAD_IN = r"""
    \b(?:(?:you|we|i|one|team|operator|reader|user|on-call(?:\s+engineer)?)\s+
         (?:should|must|need\s+to|needs\s+to|have\s+to|has\s+to|can|could|may\s+want\s+to|might\s+want\s+to
            |ought\s+to|will\s+need\s+to)
       | (?:fix|solution|workaround|remedy|remediation|next\s+step|recommendation)\s+(?:is|would\s+be|will\s+be)\s+to
       | (?:recommend|suggest|advise|propose)(?:s|ed)?\s+(?:that\s+)?(?:you|we)(?:\s+should)?
    )\s+(?:(?:just|first|simply|now)\s+)?
"""
_DESTROY = rf"(?:(?:{_IMPERATIVE})\s+{_WITHIN}{_OBJECT}\b|{_SCALE_DOWN})"
_ADVICE = re.compile(
    rf"""(?x)
    ^\s*(?:[-*•]|\d+[.)])?\s*{_PLAIN_LEAD_IN}{_DESTROY}
    | {_ADVISED_LEAD_IN}{_DESTROY}
    | \b(?:consider|recommend|suggest|advise|propose)(?:s|ed)?\s+
      (?:(?:{_GERUND})\s+{_WITHIN}{_OBJECT}\b|scaling\s+(?:\S+\s+){{0,5}}?(?:down\b|to\s+(?:0|zero)\b))
    | \b{_OBJECT}\b.*?\b(?:should|must|needs?\s+to|has\s+to|have\s+to|can\s+safely)\s+be\s+
      (?:{_PARTICIPLE}|scaled\s+(?:down|to\s+(?:0|zero)))\b
    """
)


def destructive_advice(text: str) -> list[str]:
    """The clauses of `text` (normalised) that advise destroying something in the cluster."""
    return [clause.strip() for clause in _CLAUSES.split(text) if _ADVICE.search(clause)]
