#!/usr/bin/env python3
"""Build the image with podman and prove both of its commands work: CI's image step.

    python scripts/image_check.py [--investigations 100] [--keep]

1. The base. No registry image can be pulled here, so `docker.io/library/python:3.11-slim` is
   made locally (docs/architecture.md, "Building the image here"): `debootstrap --variant=minbase` of Debian
   bookworm with python3, trimmed like the slim image, cached as a tarball under
   /var/cache/sre-orchestrator so that reruns only `podman import` it (skipped altogether when
   the image already exists).
2. `podman build` of the Dockerfile (runc, raised ulimits, this machine's CA bundle for pip).
3. Both commands of the image, as the Helm chart runs them: read-only root filesystem, a tmpfs
   at /tmp, non-root, all capabilities dropped, and the chart's CPU and memory limits. The
   Kubernetes MCP server (streamable HTTP, the bundled demo snapshot, bearer token, allowed
   Host `sre-mcp:8080`) and the orchestrator's REST API pointed at it over a podman network.
4. `/health` and `/ready` of both; an incident posted with a token completes through the MCP
   container with category `insufficient_memory`; then N investigations in all; the RSS of
   each container idle and after them, against the chart's limits.

Prints a short block of figures and exits non-zero on any failure (with the containers' logs).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CHART_VALUES = ROOT / "charts" / "sre-orchestrator" / "values.yaml"
CACHE = Path(os.environ.get("SRE_IMAGE_CACHE", "/var/cache/sre-orchestrator"))
BASE_IMAGE = "docker.io/library/python:3.11-slim"
BASE_SUITE = "bookworm"
BASE_PACKAGES = "python3,python3-venv,ca-certificates"
# What the slim image leaves out too: package caches and lists, documentation, translations.
BASE_TRIM = ("var/cache/apt/archives", "var/lib/apt/lists", "usr/share/doc", "usr/share/man", "usr/share/locale")
IMAGE = "localhost/sre-orchestrator:check"
NETWORK = "sre-orchestrator-check"
MCP_ALIAS = "sre-mcp"
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
# Podman here refuses its default limits and crun fails: every build and run gets these.
PODMAN_FLAGS = ("--runtime", "runc", "--ulimit", "nofile=20000:20000", "--ulimit", "nproc=4096:4096")
EXPECTED_CATEGORY = "insufficient_memory"
MiB = 1024 * 1024


class CheckFailed(Exception):
    pass


def run(command: Sequence[str | Path], *, log: Path | None = None, check: bool = True) -> str:
    """Run a command; its output goes to `log` (when given) and is returned."""
    result = subprocess.run(  # noqa: S603 - fixed commands, no shell
        [str(c) for c in command], capture_output=True, text=True, check=False
    )
    output = result.stdout + result.stderr
    if log is not None:
        with log.open("a", encoding="utf-8") as handle:
            handle.write(f"$ {' '.join(map(str, command))}\n{output}\n")
    if check and result.returncode != 0:
        tail = "\n".join(output.strip().splitlines()[-30:])
        raise CheckFailed(f"`{' '.join(map(str, command[:3]))} ...` exited with {result.returncode}:\n{tail}")
    return result.stdout


def podman(*args: str | Path, log: Path | None = None, check: bool = True) -> str:
    return run(["podman", *args], log=log, check=check)


# --- the tools and the base image ------------------------------------------------------------


def ensure_tools(log: Path) -> None:
    missing = [tool for tool in ("podman", "runc", "debootstrap") if shutil.which(tool) is None]
    if missing:
        print(f"installing {' '.join(missing)} (apt-get)", flush=True)
        env_cmd = ["env", "DEBIAN_FRONTEND=noninteractive"]
        run(["apt-get", "update", "-qq"], log=log)
        run([*env_cmd, "apt-get", "install", "-y", "-qq", "podman", "runc", "debootstrap"], log=log)


def ensure_base(log: Path) -> str:
    """The base image: present already, imported from the cached tarball, or bootstrapped."""
    if subprocess.run(["podman", "image", "exists", BASE_IMAGE], check=False).returncode == 0:  # noqa: S603, S607
        return "present"
    tarball = CACHE / f"{BASE_SUITE}-minbase-{BASE_PACKAGES.replace(',', '-')}.tar"
    how = "cached"
    if not tarball.exists():
        how = "debootstrap"
        CACHE.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=CACHE) as work:
            rootfs = Path(work) / "rootfs"
            run(["debootstrap", "--variant=minbase", f"--include={BASE_PACKAGES}", BASE_SUITE, rootfs], log=log)
            for path in BASE_TRIM:
                for child in (rootfs / path).glob("*"):
                    if child.is_dir() and not child.is_symlink():
                        shutil.rmtree(child)
                    else:
                        child.unlink()
            partial = tarball.with_suffix(".partial")
            run(["tar", "-C", rootfs, "-cf", partial, "."], log=log)
            partial.rename(tarball)
    podman("import", tarball, BASE_IMAGE, log=log)
    return how


def build_image(log: Path) -> None:
    volume = ["--volume", f"{CA_BUNDLE}:{CA_BUNDLE}:ro"] if CA_BUNDLE.exists() else []
    podman("build", *PODMAN_FLAGS, *volume, "--tag", IMAGE, ROOT, log=log)


# --- the containers --------------------------------------------------------------------------


def quantity_bytes(value: str) -> int:
    units = {"Ki": 1024, "Mi": MiB, "Gi": 1024 * MiB, "K": 1000, "M": 1000**2, "G": 1000**3}
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([KMG]i?)?", str(value))
    if not match:
        raise CheckFailed(f"cannot read the memory quantity {value!r}")
    return int(float(match.group(1)) * units.get(match.group(2) or "", 1))


def quantity_cpus(value: str | float) -> float:
    text = str(value)
    return int(text[:-1]) / 1000 if text.endswith("m") else float(text)


@dataclass
class Limits:
    cpus: float
    memory: int


def chart_limits() -> dict[str, Limits]:
    values = yaml.safe_load(CHART_VALUES.read_text(encoding="utf-8"))
    limits = {}
    for name in ("orchestrator", "mcp"):
        spec = values[name]["resources"]["limits"]
        limits[name] = Limits(quantity_cpus(spec["cpu"]), quantity_bytes(spec["memory"]))
    return limits


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Container:
    name: str
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def pid(self) -> int:
        return int(podman("inspect", "--format", "{{.State.Pid}}", self.name).strip())

    def memory(self) -> tuple[int, int]:
        """(VmRSS, VmHWM) of the container's main process (the server: the entrypoint is exec'd)."""
        status = Path(f"/proc/{self.pid()}/status").read_text(encoding="utf-8")
        fields = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, re.MULTILINE))
        return int(fields["VmRSS"]) * 1024, int(fields["VmHWM"]) * 1024

    def logs(self) -> str:
        return podman("logs", "--tail", "40", self.name, check=False)


def start(name: str, limits: Limits, secrets: Path, env: dict[str, str], args: Sequence[str], log: Path) -> Container:
    port = free_port()
    podman("rm", "--force", "--time", "0", name, check=False)
    env_flags = [flag for key, value in env.items() for flag in ("--env", f"{key}={value}")]
    podman(
        "run",
        *PODMAN_FLAGS,
        "--detach",
        "--name",
        name,
        "--network",
        NETWORK,
        *(["--network-alias", MCP_ALIAS] if name.endswith("mcp") else []),
        "--publish",
        f"127.0.0.1:{port}:8080",
        # The chart's securityContext: non-root, read-only root, no capabilities, no escalation.
        "--user",
        "10001:10001",
        "--read-only",
        "--tmpfs",
        "/tmp:rw,size=64m",  # noqa: S108 - the container's own /tmp, a tmpfs
        "--cap-drop",
        "ALL",
        "--security-opt",
        "no-new-privileges",
        # The chart's limits for this container.
        "--cpus",
        f"{limits.cpus:g}",
        "--memory",
        str(limits.memory),
        "--memory-swap",
        str(limits.memory),
        "--volume",
        f"{secrets}:/var/run/secrets/sre-orchestrator:ro",
        *(["--volume", f"{NETWORK}-data:/data"] if not name.endswith("mcp") else []),
        *env_flags,
        IMAGE,
        *args,
        log=log,
    )
    return Container(name, port)


def fetch(method: str, url: str, token: str | None = None, body: object | None = None) -> tuple[int, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - http://127.0.0.1 only
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def http(method: str, url: str, token: str | None = None, body: object | None = None) -> tuple[int, object]:
    status, content = fetch(method, url, token, body)
    return status, json.loads(content or b"null")


def wait_ready(container: Container, timeout: float = 180.0) -> float:
    """Seconds until /health and /ready both answer 200."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        running = podman("inspect", "--format", "{{.State.Running}}", container.name, check=False).strip()
        if running != "true":
            raise CheckFailed(f"{container.name} exited:\n{container.logs()}")
        with contextlib.suppress(OSError):
            if http("GET", container.url + "/health")[0] == 200 and http("GET", container.url + "/ready")[0] == 200:
                return time.monotonic() - started
        time.sleep(0.5)
    raise CheckFailed(f"{container.name} did not answer /health and /ready within {timeout:.0f}s:\n{container.logs()}")


def investigate(api: Container, token: str, description: str, count: int, timeout: float = 600.0) -> list[dict]:
    """Post `count` incidents, then read the incident list (whole documents) once a second until all are done."""
    ids = []
    for _ in range(count):
        status, answer = http("POST", api.url + "/api/v1/incidents", token, {"description": description})
        if status != 202 or not isinstance(answer, dict):
            raise CheckFailed(f"POST /api/v1/incidents answered {status}")
        ids.append(answer["incident_id"])
    deadline = time.monotonic() + timeout
    while True:
        seen: dict[str, dict] = {}
        url: str | None = api.url + "/api/v1/incidents?limit=100"
        while url:
            status, page = http("GET", url, token)
            if status != 200 or not isinstance(page, dict):
                raise CheckFailed(f"GET /api/v1/incidents answered {status}")
            seen.update((item["incident_id"], item) for item in page["items"])
            cursor = page.get("next_cursor")
            url = f"{api.url}/api/v1/incidents?limit=100&cursor={cursor}" if cursor else None
        running = [i for i in ids if seen.get(i, {}).get("status") not in ("completed", "failed")]
        if not running:
            break
        if time.monotonic() > deadline:
            raise CheckFailed(f"{len(running)} of {count} incidents still running after {timeout:.0f}s")
        time.sleep(1)
    return [seen[i] for i in ids]


def category(incident: dict) -> str | None:
    findings = incident.get("findings") or []
    return findings[0].get("category") if findings else None


@contextlib.contextmanager
def containers(log: Path, limits: dict[str, Limits], keep: bool) -> Iterator[tuple[Container, Container, str]]:
    """The MCP server and the REST API on a podman network, with token files; removed afterwards."""
    names = ("sre-check-mcp", "sre-check-api")
    api_token, mcp_token = os.urandom(24).hex(), os.urandom(24).hex()
    secrets = Path(tempfile.mkdtemp(prefix="sre-image-check-"))
    started: list[Container] = []
    try:
        secrets.chmod(0o755)
        for file, token in (("api-tokens", api_token), ("mcp-tokens", mcp_token)):
            (secrets / file).write_text(token + "\n", encoding="utf-8")
            (secrets / file).chmod(0o644)
        for name in names:
            podman("rm", "--force", "--time", "0", name, check=False)
        podman("volume", "rm", "--force", f"{NETWORK}-data", check=False)
        podman("network", "rm", "--force", NETWORK, check=False)
        podman("network", "create", NETWORK, log=log)
        # Where the wheel put the demo: site-packages differs with the base's Python version.
        demo = podman(
            "run", *PODMAN_FLAGS, "--rm", "--entrypoint", "python3", IMAGE, "-c",
            "import knowledge, pathlib; print(pathlib.Path(knowledge.__file__).parent / 'demo')",
        ).strip()  # fmt: skip
        mcp = start(
            names[0],
            limits["mcp"],
            secrets,
            {
                "SRE_SNAPSHOT": f"{demo}/cluster",
                "SRE_MCP_TOKENS_FILE": "/var/run/secrets/sre-orchestrator/mcp-tokens",
                "SRE_MCP_ALLOWED_HOSTS": f"{MCP_ALIAS}:8080",
            },
            ["mcp", "--transport", "http"],
            log,
        )
        started.append(mcp)
        api = start(
            names[1],
            limits["orchestrator"],
            secrets,
            {
                "SRE_API_TOKENS_FILE": "/var/run/secrets/sre-orchestrator/api-tokens",
                "SRE_MCP_URL": f"http://{MCP_ALIAS}:8080/mcp",
                "SRE_MCP_TOKEN": mcp_token,
                "SRE_KNOWLEDGE_GRAPH": f"{demo}/knowledge_graph.yaml",
            },
            [],  # the image's default command: serve
            log,
        )
        started.append(api)
        yield mcp, api, api_token
    except CheckFailed:
        for container in started:
            print(f"--- last log lines of {container.name}:\n{container.logs()}", file=sys.stderr)
        raise
    finally:
        if not keep:
            for name in names:
                podman("rm", "--force", "--time", "2", name, check=False)
            podman("volume", "rm", "--force", f"{NETWORK}-data", check=False)
            podman("network", "rm", "--force", NETWORK, check=False)
        shutil.rmtree(secrets, ignore_errors=True)


def mib(value: float) -> str:
    return f"{value / MiB:.0f} MiB"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--investigations", type=int, default=100, help="investigations before the second RSS")
    parser.add_argument("--keep", action="store_true", help="leave the containers running afterwards")
    args = parser.parse_args(argv)

    log_dir = Path(tempfile.mkdtemp(prefix="sre-image-check-log-"))
    log = log_dir / "image-check.log"
    began = time.monotonic()
    figures: list[tuple[str, str]] = []
    try:
        ensure_tools(log)
        phase = time.monotonic()
        how = ensure_base(log)
        figures.append(("base image", f"{how}, {time.monotonic() - phase:.0f} s"))
        phase = time.monotonic()
        build_image(log)
        size = int(podman("image", "inspect", "--format", "{{.Size}}", IMAGE).strip())
        base_size = int(podman("image", "inspect", "--format", "{{.Size}}", BASE_IMAGE).strip())
        figures.append(("image build", f"{time.monotonic() - phase:.0f} s"))
        figures.append(("image size", f"{size / 1e6:.0f} MB ({base_size / 1e6:.0f} MB of it the base)"))

        limits = chart_limits()
        with containers(log, limits, args.keep) as (mcp, api, token):
            for container, role in ((mcp, "MCP server"), (api, "orchestrator")):
                figures.append((f"{role} ready", f"{wait_ready(container):.1f} s (/health and /ready)"))
            idle = {c.name: c.memory() for c in (mcp, api)}

            if http("POST", api.url + "/api/v1/incidents", None, {"description": "x"})[0] != 401:
                raise CheckFailed("the REST API accepted an incident without a token")
            if http("POST", mcp.url + "/mcp", None, {})[0] != 401:
                raise CheckFailed("the MCP server accepted a request without a token")
            description = (ROOT / "knowledge" / "demo" / "incident.txt").read_text(encoding="utf-8").strip()
            phase = time.monotonic()
            first = investigate(api, token, description, 1)[0]
            if first["status"] != "completed" or category(first) != EXPECTED_CATEGORY:
                raise CheckFailed(
                    f"incident {first['incident_id']}: status {first['status']}, category {category(first)}, "
                    f"error {first.get('error')!r}; expected completed / {EXPECTED_CATEGORY}"
                )
            figures.append(("first incident", f"completed in {time.monotonic() - phase:.1f} s: {category(first)}"))
            status, page = fetch("GET", f"{api.url}/ui/incidents/{first['incident_id']}", token)
            if status != 200 or first["suggested_root_cause"].split(":")[0].encode() not in page:
                raise CheckFailed(f"the web UI's page of incident {first['incident_id']} answered {status}")
            figures.append(("web UI", f"/ui/incidents/{{id}} {status}, {len(page) // 1024} KiB of HTML"))

            phase = time.monotonic()
            rest = investigate(api, token, description, args.investigations - 1)
            elapsed = time.monotonic() - phase
            bad = [i for i in rest if i["status"] != "completed" or category(i) != EXPECTED_CATEGORY]
            if bad:
                raise CheckFailed(f"{len(bad)} of {len(rest)} investigations did not complete as expected")
            figures.append(
                (
                    f"{args.investigations} investigations",
                    f"all {EXPECTED_CATEGORY}, {elapsed:.1f} s for the last {len(rest)}",
                )
            )
            after = {c.name: c.memory() for c in (mcp, api)}
            for container, key, role in ((api, "orchestrator", "orchestrator"), (mcp, "mcp", "MCP server")):
                limit = limits[key]
                rss_idle, _ = idle[container.name]
                rss_after, peak = after[container.name]
                figures.append(
                    (
                        f"{role} RSS",
                        f"idle {mib(rss_idle)}, after {args.investigations} {mib(rss_after)} (peak {mib(peak)}); "
                        f"limit {mib(limit.memory)}, {limit.cpus * 1000:.0f}m CPU",
                    )
                )
                if peak >= limit.memory:
                    raise CheckFailed(f"{key}: peak RSS {mib(peak)} reached the chart's limit {mib(limit.memory)}")
    except CheckFailed as exc:
        report(figures, "FAILED")
        print(f"image check FAILED: {exc}\n(full log: {log})", file=sys.stderr)
        return 1
    figures.append(("image step", f"{time.monotonic() - began:.0f} s in all"))
    report(figures, "passed")
    shutil.rmtree(log_dir, ignore_errors=True)
    return 0


def report(figures: list[tuple[str, str]], outcome: str) -> None:
    width = max((len(name) for name, _ in figures), default=0)
    print(f"==== image check: {outcome} ====")
    for name, value in figures:
        print(f"  {name:<{width}}  {value}")
    print("=" * len(f"==== image check: {outcome} ===="), flush=True)


if __name__ == "__main__":
    sys.exit(main())
