"""A test-only Kubernetes API server serving snapshot directories over the real REST protocol.

The real `kubernetes` client and the real kubectl talk to it over HTTPS (a CA made per run)
with a bearer token, so tests exercise exactly the code paths a live cluster would:

    with KubeApiServer() as server:                   # or the `kube_api_server` fixture
        kubeconfig = server.kubeconfig_for(snapshot_dir)
        api = kubernetes.config.new_client_from_config(
            config_file=str(kubeconfig.path), context=kubeconfig.context
        )
        run_kubectl(kubeconfig, "get", "pods", "-A")
        server.inject_fault(r"/pods$", status=500, times=1)
"""

from .faults import Fault
from .kubeconfig import Kubeconfig, write_kubeconfig
from .kubectl import run_kubectl
from .server import KubeApiServer

__all__ = ["Fault", "KubeApiServer", "Kubeconfig", "run_kubectl", "write_kubeconfig"]
