"""Running the real kubectl against the test server, isolated from the user's ~/.kube."""

from __future__ import annotations

import shutil
import subprocess

from .kubeconfig import Kubeconfig

KUBECTL = shutil.which("kubectl") or "/usr/bin/kubectl"


def run_kubectl(
    kubeconfig: Kubeconfig,
    *args: str,
    context: str | None = None,
    check: bool = True,
    timeout: float = 30.0,
) -> subprocess.CompletedProcess[str]:
    """`kubectl --kubeconfig ... --context ... ARGS`; raises with stderr on failure when `check`."""
    # Discovery is cached next to the kubeconfig, never in ~/.kube, so no run sees another's.
    cache_dir = kubeconfig.path.parent / ".kube-cache"
    command = [
        KUBECTL,
        f"--kubeconfig={kubeconfig.path}",
        f"--context={context or kubeconfig.context}",
        f"--cache-dir={cache_dir}",
        *args,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result
