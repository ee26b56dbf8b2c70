"""This Kubernetes MCP server side by side with the peer, containers/kubernetes-mcp-server.

    .venv/bin/python bench/peer_mcp.py [--snapshot DIR] [--starts N] [--rounds N]

Installs the peer on first use (the Go binary its npm package ships, pinned in
bench/peer/package.json and package-lock.json, with `npm ci`), starts the test Kubernetes API
server on one snapshot (default: the demo cluster), points both servers at it through one
kubeconfig (the peer with `--read-only`, ours live with `sre-orchestrator mcp`), and drives
both over stdio with the same MCP client (the python `mcp` SDK). It prints, in one run:

- start: the time from spawning the server to the answer of `tools/list` (median of N starts,
  each a new process and session), and the idle RSS of one started server;
- for each question an SRE asks (a pod's status, its logs, the namespace's events, the pods of
  the namespace, a Deployment, and everything about one failing pod), the calls each server
  needs, the bytes it answers (the text content a model reads; and the whole result, structured
  content included), and the latency of the whole question, median and p90 over N rounds;
- a cold call as a person trying a server makes it: the MCP Inspector CLI (tests/support/inspector)
  spawning the server for one `get_pod`, median of `--inspector-calls` (skipped when the
  Inspector is not installed);
- ratios ours/peer.

The questions are derived from the snapshot, not named here: the pod is the one with the most
container restarts, its Deployment is found through its owner ReplicaSet. Each answer must
name what was asked about, so an empty or failed answer is flagged, not timed as a fast one.
Rounds alternate between the two servers so that the machine's load falls on both alike.

Two passes: back to back (what an assistant asking in bursts gets), then paced, with a pause
before each question long enough for the peer's client-side rate limiter to refill. client-go's
default limiter (5 requests/s, burst 10) throttles the peer after its first ten API requests
to about 200 ms a request; the paced pass measures its latency rather than that throttle.
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))

from inspector_cli import INSPECTOR_BIN, inspector_runner
from kube_api_server import KubeApiServer
from mcp import Client, StdioServerParameters
from mcp.types import CallToolRequest, CallToolRequestParams, CallToolResult
from processes import CLI

from mcp_servers.kubernetes.backends.snapshot import SnapshotBackend

PEER_DIR = ROOT / "bench" / "peer"
PEER_PACKAGE = "kubernetes-mcp-server-linux-amd64"
PEER_BINARY = PEER_DIR / "node_modules" / PEER_PACKAGE / "bin" / PEER_PACKAGE


def ensure_peer() -> Path:
    """The peer's binary, installed from the lock file when missing or older than it."""
    if sys.platform != "linux" or platform.machine() not in ("x86_64", "AMD64"):
        sys.exit(f"peer_mcp: the pinned peer is {PEER_PACKAGE}; this machine is {sys.platform} {platform.machine()}")
    lock = PEER_DIR / "package-lock.json"
    marker = PEER_DIR / "node_modules" / ".package-lock.json"
    if not PEER_BINARY.exists() or not marker.exists() or marker.stat().st_mtime < lock.stat().st_mtime:
        npm = shutil.which("npm")
        if npm is None:
            sys.exit("peer_mcp: npm is needed to install the peer (apt-get install npm)")
        print(f"+ npm ci (in {PEER_DIR.relative_to(ROOT)})", flush=True)
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=PEER_DIR, check=True)
    return PEER_BINARY


# -- the two servers ------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    name: str
    params: StdioServerParameters

    def is_process(self, process: psutil.Process) -> bool:
        try:
            return process.cmdline()[: len(self.command)] == self.command
        except psutil.Error:
            return False

    @property
    def command(self) -> list[str]:
        return [self.params.command, *self.params.args]


def servers(peer: Path, kubeconfig: Path, context: str, work: Path) -> list[Server]:
    env = {**os.environ, "SRE_LOG_LEVEL": "WARNING"}
    ours = [*CLI[1:], "mcp", "--kubeconfig", str(kubeconfig), "--context", context]
    theirs = ["--kubeconfig", str(kubeconfig), "--read-only", "--log-file", str(work / "peer.log")]
    return [
        Server("ours", StdioServerParameters(command=CLI[0], args=ours, env=env)),
        Server("peer", StdioServerParameters(command=str(peer), args=theirs, env=env)),
    ]


# -- the questions --------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    tool: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Question:
    title: str
    must_name: str  # every server's answer names it, or the answer is flagged
    calls: dict[str, list[Call]]


@dataclass(frozen=True)
class Target:
    namespace: str
    pod: str
    containers: list[str]
    node: str
    replicaset: str
    deployment: str


def pick_target(snapshot: Path) -> Target:
    """The pod with the most container restarts whose owner chain reaches a Deployment."""
    backend = SnapshotBackend(snapshot)
    owners = {
        (rs["metadata"]["namespace"], rs["metadata"]["name"]): _controller(rs)
        for rs in backend.list("replicasets").items
    }

    def restarts(pod: dict[str, Any]) -> int:
        return sum(s.get("restartCount", 0) for s in pod.get("status", {}).get("containerStatuses") or [])

    candidates = []
    for pod in backend.list("pods").items:
        meta = pod["metadata"]
        replicaset = _controller(pod)
        deployment = owners.get((meta["namespace"], replicaset or ""))
        if replicaset and deployment:
            candidates.append((restarts(pod), meta["namespace"], meta["name"], pod, replicaset, deployment))
    if not candidates:
        sys.exit(f"peer_mcp: {snapshot} has no pod owned by a Deployment to ask about")
    _, namespace, name, pod, replicaset, deployment = max(candidates, key=lambda c: (c[0], c[1], c[2]))
    containers = [c["name"] for c in pod["spec"]["containers"]]
    return Target(namespace, name, containers, pod["spec"].get("nodeName", ""), replicaset, deployment)


def _controller(obj: dict[str, Any]) -> str | None:
    refs = obj["metadata"].get("ownerReferences") or []
    return next((ref["name"] for ref in refs if ref.get("controller")), None)


def questions(t: Target) -> list[Question]:
    pod = {"namespace": t.namespace, "name": t.pod}
    deployment = {"namespace": t.namespace, "name": t.deployment}
    return [
        Question("a pod's status", t.pod, {"ours": [Call("get_pod", pod)], "peer": [Call("pods_get", pod)]}),
        Question("its logs", t.containers[0], _logs_question(t)),
        Question(
            "events of the namespace",
            t.pod,
            {
                "ours": [Call("get_events", {"namespace": t.namespace})],
                "peer": [Call("events_list", {"namespace": t.namespace})],
            },
        ),
        Question(
            "list pods",
            t.pod,
            {
                "ours": [Call("list_pods", {"namespace": t.namespace})],
                "peer": [Call("pods_list_in_namespace", {"namespace": t.namespace})],
            },
        ),
        Question(
            "get a deployment",
            t.deployment,
            {
                "ours": [Call("get_workload", {"kind": "Deployment", **deployment})],
                "peer": [Call("resources_get", {"apiVersion": "apps/v1", "kind": "Deployment", **deployment})],
            },
        ),
        Question("why is this pod failing", t.pod, {"ours": [Call("diagnose_pod", pod)], "peer": _peer_diagnosis(t)}),
    ]


def _logs_question(t: Target) -> dict[str, list[Call]]:
    logs = {"namespace": t.namespace, "name": t.pod, "container": t.containers[0]}
    return {"ours": [Call("get_pod_logs", logs)], "peer": [Call("pods_log", logs)]}


def _peer_diagnosis(t: Target) -> list[Call]:
    """What diagnose_pod gathers in one call, asked of the peer's tools one by one."""
    pod = {"namespace": t.namespace, "name": t.pod}
    calls = [Call("pods_get", pod)]
    for container in t.containers:
        calls.append(Call("pods_log", {**pod, "container": container}))
        calls.append(Call("pods_log", {**pod, "container": container, "previous": True}))
    calls.append(Call("events_list", {"namespace": t.namespace}))
    for kind, name in (("ReplicaSet", t.replicaset), ("Deployment", t.deployment)):
        calls.append(
            Call("resources_get", {"apiVersion": "apps/v1", "kind": kind, "namespace": t.namespace, "name": name})
        )
    if t.node:
        calls.append(Call("resources_get", {"apiVersion": "v1", "kind": "Node", "name": t.node}))
    return calls


# -- measuring ------------------------------------------------------------------------------


@dataclass
class Answers:
    latencies_ms: list[float] = field(default_factory=list)
    text_bytes: int = 0
    result_bytes: int = 0
    problems: list[str] = field(default_factory=list)
    checked: bool = False  # the sizes and checks of the first round stand for all


def inspector_times(server: Server, call: Call, calls: int, home: Path) -> list[float]:
    """Seconds of `mcp-inspector --cli` calling one tool through a server it spawns, `calls` times."""
    inspector = inspector_runner(home, env=server.params.env)
    arguments = [part for key, value in call.arguments.items() for part in ("--tool-arg", f"{key}={value}")]
    samples = []
    for _ in range(calls):
        run = inspector("--method", "tools/call", "--tool-name", call.tool, *arguments, "--", *server.command)
        if run.returncode != 0 or call.arguments["name"] not in run.stdout:
            raise RuntimeError(f"the Inspector's call through {server.name} failed:\n{run}")
        samples.append(run.seconds)
    return samples


async def start_times(server: Server, starts: int) -> list[float]:
    samples = []
    for _ in range(starts):
        began = time.perf_counter()
        async with Client(server.params) as client:
            await client.list_tools()
            samples.append((time.perf_counter() - began) * 1000)
    return samples


async def idle_rss_mib(server: Server) -> float:
    async with Client(server.params) as client:
        await client.list_tools()
        await anyio.sleep(1.0)
        found = [p for p in psutil.Process().children(recursive=True) if server.is_process(p)]
        if len(found) != 1:
            raise RuntimeError(f"expected one {server.name} process, found {len(found)}")
        return found[0].memory_info().rss / 2**20


async def _call(client: Client, call: Call) -> CallToolResult:
    """tools/call without the Python SDK's own jsonschema pass over the result: the peer's tools
    declare no output schema, so `Client.call_tool` would charge ours ~3 ms of client-side
    validation per call that the peer never pays (our own client skips it too: graphs/mcp_client.py)."""
    request = CallToolRequest(params=CallToolRequestParams(name=call.tool, arguments=call.arguments))
    return await client.session.send_request(request, CallToolResult)


async def ask(client: Client, question: Question, server: str, answers: Answers) -> None:
    began = time.perf_counter()
    results = [await _call(client, call) for call in question.calls[server]]
    answers.latencies_ms.append((time.perf_counter() - began) * 1000)
    if answers.checked:
        return
    answers.checked = True
    for call, result in zip(question.calls[server], results, strict=True):
        text = "\n".join(getattr(block, "text", "") for block in result.content)
        answers.text_bytes += len(text.encode())
        answers.result_bytes += len(result.model_dump_json(by_alias=True, exclude_none=True).encode())
        if result.is_error:
            answers.problems.append(f"{call.tool} failed: {text[:160]}")
    everything = "".join(getattr(b, "text", "") for r in results for b in r.content)
    if question.must_name not in everything:
        answers.problems.append(f"the answer does not name {question.must_name!r}")


# Two API requests a tool call at most (the peer asks a SelfSubjectAccessReview before a list),
# at client-go's default 5 requests/s.
PACE_PER_CALL_S = 0.4


async def ask_all(
    by_name: dict[str, Server], asked: list[Question], rounds: int, *, paced: bool = False
) -> dict[tuple[str, str], Answers]:
    results = {(q.title, name): Answers() for q in asked for name in by_name}
    async with Client(by_name["ours"].params) as ours, Client(by_name["peer"].params) as peer:
        clients = {"ours": ours, "peer": peer}
        for name, client in clients.items():  # one warm-up round: connections, discovery caches
            for question in asked:
                await ask(client, question, name, Answers())
        for round_number in range(rounds):
            order = list(clients) if round_number % 2 == 0 else list(reversed(clients))
            for question in asked:
                for name in order:
                    if paced:
                        await anyio.sleep(PACE_PER_CALL_S * len(question.calls[name]))
                    await ask(clients[name], question, name, results[(question.title, name)])
    return results


# -- printing -------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def ratio(ours: float, peer: float) -> str:
    return f"{ours / peer:.2f}x" if peer else "-"


def print_start(starts: dict[str, list[float]], rss: dict[str, float], cold: dict[str, list[float]]) -> None:
    print(f"\n{'':<26} {'ours':>10} {'peer':>10} {'ours/peer':>10}")
    _print_spread("start to tools/list, ms", starts, "{:.0f}")
    print(f"{'idle RSS, MiB':<26} {rss['ours']:>10.1f} {rss['peer']:>10.1f} {ratio(rss['ours'], rss['peer']):>10}")
    if cold:
        _print_spread("Inspector CLI get_pod, s", cold, "{:.2f}")


def _print_spread(title: str, samples: dict[str, list[float]], number: str) -> None:
    medians = {name: statistics.median(values) for name, values in samples.items()}
    print(f"{title:<26} {number.format(medians['ours']):>10} {number.format(medians['peer']):>10} "
          f"{ratio(medians['ours'], medians['peer']):>10}")  # fmt: skip
    spread = {name: f"{number.format(min(v))}-{number.format(max(v))}" for name, v in samples.items()}
    print(f"{'  (min-max)':<26} {spread['ours']:>10} {spread['peer']:>10}")


def print_questions(asked: list[Question], results: dict[tuple[str, str], Answers], title: str) -> list[str]:
    print(f"\n{title}")
    header = (
        f"{'question':<24} {'server':<5} {'calls':>5} {'text B':>8} {'result B':>9} {'median ms':>10} {'p90 ms':>8}"
    )
    print(header)
    problems = []
    for question in asked:
        row: dict[str, tuple[int, float]] = {}
        for name in ("ours", "peer"):
            answers = results[(question.title, name)]
            median = statistics.median(answers.latencies_ms)
            row[name] = (answers.text_bytes, median)
            print(f"{question.title if name == 'ours' else '':<24} {name:<5} {len(question.calls[name]):>5} "
                  f"{answers.text_bytes:>8} {answers.result_bytes:>9} {median:>10.2f} "
                  f"{percentile(answers.latencies_ms, 0.9):>8.2f}")  # fmt: skip
            problems += [f"{name}, {question.title}: {p}" for p in answers.problems]
        (ours_bytes, ours_ms), (peer_bytes, peer_ms) = row["ours"], row["peer"]
        print(f"{'':<24} {'o/p':<5} {'':>5} {ratio(ours_bytes, peer_bytes):>8} {'':>9} {ratio(ours_ms, peer_ms):>10}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshot", type=Path, default=ROOT / "knowledge" / "demo" / "cluster")
    parser.add_argument("--starts", type=int, default=10, help="server starts timed for each (default 10)")
    parser.add_argument("--rounds", type=int, default=30, help="times each question is asked (default 30)")
    parser.add_argument("--paced-rounds", type=int, default=30, help="rounds of the paced pass (default 30)")
    parser.add_argument("--inspector-calls", type=int, default=5, help="cold Inspector CLI calls each (default 5)")
    args = parser.parse_args()
    peer = ensure_peer()
    version = subprocess.run([peer, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    target = pick_target(args.snapshot)
    asked = questions(target)
    print(f"machine: {platform.machine()}, {psutil.cpu_count()} cores, load average {_load()}")
    print(f"peer: containers/kubernetes-mcp-server {version}; ours: sre-orchestrator mcp (live backend)")
    print(f"cluster: {args.snapshot} on the test API server; pod {target.namespace}/{target.pod}")
    print(f"starts: {args.starts} each; each pass after one warm-up round")
    with KubeApiServer() as api_server, tempfile.TemporaryDirectory() as work:
        kubeconfig = api_server.kubeconfig_for(args.snapshot, Path(work) / "kubeconfig")
        by_name = {s.name: s for s in servers(peer, kubeconfig.path, kubeconfig.context, Path(work))}
        starts = {name: anyio.run(start_times, server, args.starts) for name, server in by_name.items()}
        rss = {name: anyio.run(idle_rss_mib, server) for name, server in by_name.items()}
        cold = {}
        if INSPECTOR_BIN.exists() and args.inspector_calls > 0:
            home = Path(work) / "inspector-home"
            cold = {
                name: inspector_times(server, asked[0].calls[name][0], args.inspector_calls, home)
                for name, server in by_name.items()
            }
        bursts = anyio.run(ask_all, by_name, asked, args.rounds)
        paced = anyio.run(functools.partial(ask_all, paced=True), by_name, asked, args.paced_rounds)
    print_start(starts, rss, cold)
    problems = print_questions(asked, bursts, f"back to back, {args.rounds} rounds")
    problems += print_questions(asked, paced, f"paced (the peer's rate limiter refilled), {args.paced_rounds} rounds")
    print(f"\nload average at the end: {_load()}")
    for problem in problems:
        print(f"FLAGGED {problem}")
    return 1 if problems else 0


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    sys.exit(main())
