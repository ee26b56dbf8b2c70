"""Whether what an LLM wrote may be shown: no link outside the evidence, nothing that changes the cluster.

`refusal(narrative, evidence)` answers why the narrative cannot be shown, or None. It reads the
narrative normalised (`normalise.py`: NFKC, invisible characters removed, case-folded) and
refuses it when it

- links to a host the evidence does not name (`links.py`: compared by parsed host, so case, a
  port, `www.`, credentials before `@` or a look-alike suffix change nothing);
- holds a command that changes the cluster or runs unread code (`commands.py`: kubectl, oc, k,
  helm verbs after any options, `| bash`, `sh -c`);
- tells the reader, in plain words, to destroy something in the cluster (`destructive_advice.py`).

The report is read-only advice, so any of these is the mark of an instruction planted in a log
line the model read. The reason names the verb it found, never the narrative or a foreign host.
"""

from __future__ import annotations

from collections.abc import Iterable

from graphs.llm.commands import changing_commands
from graphs.llm.destructive_advice import destructive_advice
from graphs.llm.links import linked_hosts, mentioned_hosts
from graphs.llm.normalise import normalise

_PLANTED = "which this read-only report never does (possibly an instruction planted in the logs or events)"


def refusal(narrative: str, evidence: Iterable[str]) -> str | None:
    """Why `narrative` cannot be shown next to `evidence` (the texts the model read), or None."""
    text = normalise(narrative)
    linked = linked_hosts(text)
    # The evidence's hosts are read only when the narrative links somewhere (most narratives do not).
    known = set().union(*(mentioned_hosts(normalise(item)) for item in evidence)) if linked else set()
    if any(host not in known for host in linked):
        # The host is not named: the refusal is shown, and a planted host is what it keeps out.
        return "the LLM's analysis links to an address that is not in the evidence"
    commands = changing_commands(text)
    if commands:
        verb = commands[0].split(" ", 1)[-1]
        return f"the LLM's analysis tells the reader to change the cluster (a `{verb}` command), {_PLANTED}"
    if destructive_advice(text):
        return f"the LLM's analysis tells the reader to change the cluster (destroy or scale down), {_PLANTED}"
    return None
