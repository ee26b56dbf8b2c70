"""kube-system and default: CoreDNS, kube-proxy, the CNI, metrics-server, the control plane's
static pods (kubeadm) and the `kubernetes` Service. Identical in every scenario of a flavour."""

# Log lines and messages are reproduced verbatim, whatever their length.
# ruff: noqa: E501

from __future__ import annotations

from typing import TYPE_CHECKING

from . import ids, logs
from .clock import days_ago
from .network import ServicePort
from .nodes import EKS
from .pods import Owner
from .spec import (
    Container,
    PodTemplate,
    exec_probe,
    field_ref,
    http_get,
)

if TYPE_CHECKING:
    from .cluster import Cluster

CRITICAL_TOLERATIONS = (
    {"key": "CriticalAddonsOnly", "operator": "Exists"},
    {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"},
)
EVERYWHERE = ({"operator": "Exists"},)


def add_system_namespace(cluster: Cluster) -> None:
    eks = cluster.flavor is EKS
    ecr = "602401143452.dkr.ecr.eu-west-1.amazonaws.com"
    born = min(n.created for n in cluster.nodes)
    ks = cluster.namespace("kube-system")
    system_labels = {"k8s-app": "kube-dns"}

    coredns = Container(
        name="coredns",
        image=f"{ecr}/eks/coredns:v1.11.4-eksbuild.14" if eks else "registry.k8s.io/coredns/coredns:v1.12.0",
        args=("-conf", "/etc/coredns/Corefile"),
        ports={"dns": 53, "dns-tcp": 53, "metrics": 9153},
        requests={"cpu": "100m", "memory": "70Mi"},
        limits={"memory": "170Mi"},
        liveness=http_get("/health", 8080, initial_delay=60, timeout=5, failure_threshold=5),
        readiness=http_get("/ready", 8181),
        mounts={"config-volume": "/etc/coredns"},
        read_only_mounts=frozenset({"config-volume"}),
        security_context={
            "allowPrivilegeEscalation": False,
            "capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]},
            "readOnlyRootFilesystem": True,
        },
        logs=logs.coredns("1.11.4" if eks else "1.12.0"),
    )
    dns_template = PodTemplate(
        labels={"k8s-app": "kube-dns"} | ({"eks.amazonaws.com/component": "coredns"} if eks else {}),
        containers=(coredns,),
        volumes=(
            {
                "name": "config-volume",
                "configMap": {
                    "name": "coredns",
                    "items": [{"key": "Corefile", "path": "Corefile"}],
                    "defaultMode": 420,
                },
            },
        ),
        service_account="coredns",
        priority_class="system-cluster-critical",
        tolerations=CRITICAL_TOLERATIONS,
        node_selector={"kubernetes.io/os": "linux"},
    )
    ks.deployment("coredns", template=dns_template, replicas=2, created=born)
    ks.service(
        "kube-dns",
        system_labels,
        [ServicePort("dns", 53, 53, "UDP"), ServicePort("dns-tcp", 53, 53), ServicePort("metrics", 9153, 9153)],
        born,
        cluster_ip=cluster.flavor.cluster_dns,
        labels={"k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS"},
    )

    proxy = Container(
        name="kube-proxy",
        image=f"{ecr}/eks/kube-proxy:v1.33.3-minimal-eksbuild.6" if eks else "registry.k8s.io/kube-proxy:v1.33.5",
        command=("kube-proxy", "--config=/var/lib/kube-proxy-config/config", "--hostname-override=$(NODE_NAME)")
        if eks
        else (
            "/usr/local/bin/kube-proxy",
            "--config=/var/lib/kube-proxy/config.conf",
            "--hostname-override=$(NODE_NAME)",
        ),
        env={"NODE_NAME": field_ref("spec.nodeName")},
        requests={"cpu": "100m"} if eks else {},
        mounts={
            "kube-proxy": "/var/lib/kube-proxy",
            "xtables-lock": "/run/xtables.lock",
            "lib-modules": "/lib/modules",
        },
        read_only_mounts=frozenset({"lib-modules"}),
        security_context={"privileged": True},
        logs=logs.kube_proxy(),
    )
    ks.daemonset(
        "kube-proxy",
        proxy,
        nodes=cluster.nodes,
        created=born,
        labels={"k8s-app": "kube-proxy"},
        host_network=True,
        priority_class="system-node-critical",
        tolerations=EVERYWHERE,
        service_account="kube-proxy",
        node_selector={"kubernetes.io/os": "linux"},
        volumes=(
            {"name": "kube-proxy", "configMap": {"name": "kube-proxy", "defaultMode": 420}},
            {"name": "xtables-lock", "hostPath": {"path": "/run/xtables.lock", "type": "FileOrCreate"}},
            {"name": "lib-modules", "hostPath": {"path": "/lib/modules", "type": ""}},
        ),
    )

    if eks:
        cni = Container(
            name="aws-node",
            image=f"{ecr}/amazon-k8s-cni:v1.20.1-eksbuild.3",
            ports={"metrics": 61678},
            env={
                "ADDITIONAL_ENI_TAGS": "{}",
                "AWS_VPC_K8S_CNI_LOGLEVEL": "DEBUG",
                "MY_NODE_NAME": field_ref("spec.nodeName"),
                "WARM_ENI_TARGET": "1",
                "ENABLE_PREFIX_DELEGATION": "false",
            },
            requests={"cpu": "25m"},
            liveness=exec_probe(
                "/app/grpc-health-probe",
                "-addr=:50051",
                "-connect-timeout=5s",
                "-rpc-timeout=5s",
                initial_delay=60,
                timeout=10,
            ),
            readiness=exec_probe(
                "/app/grpc-health-probe",
                "-addr=:50051",
                "-connect-timeout=5s",
                "-rpc-timeout=5s",
                initial_delay=1,
                timeout=10,
            ),
            security_context={"capabilities": {"add": ["NET_ADMIN", "NET_RAW"]}},
            logs='{"level":"info","ts":"2026-10-10T14:03:01.118Z","caller":"entrypoint.sh","msg":"Validating env variables ..."}\n'
            '{"level":"info","ts":"2026-10-10T14:03:01.119Z","caller":"entrypoint.sh","msg":"Install CNI binaries.."}\n'
            '{"level":"info","ts":"2026-10-10T14:03:01.141Z","caller":"entrypoint.sh","msg":"Starting IPAM daemon... "}\n'
            '{"level":"info","ts":"2026-10-10T14:03:03.202Z","caller":"entrypoint.sh","msg":"Checking for IPAM connectivity... "}\n'
            '{"level":"info","ts":"2026-10-10T14:03:04.233Z","caller":"entrypoint.sh","msg":"Copying config file... "}\n'
            '{"level":"info","ts":"2026-10-10T14:03:04.241Z","caller":"entrypoint.sh","msg":"Successfully copied CNI plugin binary and config file."}\n',
        )
        ks.daemonset(
            "aws-node",
            cni,
            nodes=cluster.nodes,
            created=born,
            labels={"k8s-app": "aws-node"},
            host_network=True,
            priority_class="system-node-critical",
            tolerations=EVERYWHERE,
            service_account="aws-node",
        )
    else:
        calico = Container(
            name="calico-node",
            image="docker.io/calico/node:v3.29.1",
            env={
                "DATASTORE_TYPE": "kubernetes",
                "WAIT_FOR_DATASTORE": "true",
                "NODENAME": field_ref("spec.nodeName"),
                "CALICO_NETWORKING_BACKEND": "bird",
                "CLUSTER_TYPE": "k8s,bgp",
                "IP": "autodetect",
                "CALICO_IPV4POOL_IPIP": "Always",
                "CALICO_IPV4POOL_CIDR": "10.244.0.0/16",
                "FELIX_HEALTHENABLED": "true",
            },
            requests={"cpu": "250m"},
            liveness=exec_probe(
                "/bin/calico-node",
                "-felix-live",
                "-bird-live",
                initial_delay=10,
                period=10,
                timeout=10,
                failure_threshold=6,
            ),
            readiness=exec_probe("/bin/calico-node", "-felix-ready", "-bird-ready", period=10, timeout=10),
            security_context={"privileged": True},
            logs="2026-10-10 14:03:11.402 [INFO][9] startup/startup.go 432: Early log level set to info\n"
            "2026-10-10 14:03:11.403 [INFO][9] startup/utils.go 126: Using NODENAME environment for node name\n"
            "2026-10-10 14:03:11.512 [INFO][9] startup/startup.go 770: Using autodetected IPv4 address\n"
            "2026-10-10 14:03:11.630 [INFO][9] startup/startup.go 106: Calico node started successfully\n"
            "bird: Started\n",
        )
        installer = Container(
            name="install-cni",
            image="docker.io/calico/cni:v3.29.1",
            command=("/opt/cni/bin/install",),
            security_context={"privileged": True},
            logs="2026-10-10 14:03:05.118 [INFO][1] cni-installer/<nil> <nil>: Installed /host/opt/cni/bin/calico\n"
            "2026-10-10 14:03:05.201 [INFO][1] cni-installer/<nil> <nil>: CNI plugin version: v3.29.1\n",
        )
        ks.daemonset(
            "calico-node",
            calico,
            nodes=cluster.nodes,
            created=born,
            labels={"k8s-app": "calico-node"},
            host_network=True,
            priority_class="system-node-critical",
            tolerations=EVERYWHERE,
            service_account="calico-node",
            init_containers=(installer,),
        )
        controllers = Container(
            name="calico-kube-controllers",
            image="docker.io/calico/kube-controllers:v3.29.1",
            env={"ENABLED_CONTROLLERS": "node", "DATASTORE_TYPE": "kubernetes"},
            liveness=exec_probe("/usr/bin/check-status", "-l", initial_delay=10, failure_threshold=6),
            readiness=exec_probe("/usr/bin/check-status", "-r"),
            logs="2026-10-10 14:03:20.020 [INFO][1] main.go 107: Loaded configuration from environment\n"
            "2026-10-10 14:03:20.731 [INFO][1] main.go 183: Starting status report routine\n"
            '2026-10-10 14:03:20.733 [INFO][1] main.go 372: Starting controller ControllerType="Node"\n',
        )
        ks.deployment(
            "calico-kube-controllers",
            template=PodTemplate(
                labels={"k8s-app": "calico-kube-controllers"},
                containers=(controllers,),
                service_account="calico-kube-controllers",
                priority_class="system-cluster-critical",
                tolerations=CRITICAL_TOLERATIONS,
                node_selector={"kubernetes.io/os": "linux"},
            ),
            replicas=1,
            created=born,
        )
        _static_control_plane(cluster)

    metrics = Container(
        name="metrics-server",
        image="registry.k8s.io/metrics-server/metrics-server:v0.7.2",
        args=(
            "--cert-dir=/tmp",
            "--secure-port=10250",
            "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
            "--kubelet-use-node-status-port",
            "--metric-resolution=15s",
        ),
        ports={"https": 10250},
        requests={"cpu": "100m", "memory": "200Mi"},
        liveness=http_get("/livez", "https"),
        readiness=http_get("/readyz", "https", initial_delay=20),
        logs=logs.static("""
            I1010 14:04:12.501317       1 serving.go:374] Generated self-signed cert (/tmp/apiserver.crt, /tmp/apiserver.key)
            I1010 14:04:13.002591       1 handler.go:275] Adding GroupVersion metrics.k8s.io v1beta1 to ResourceManager
            I1010 14:04:13.109882       1 secure_serving.go:213] Serving securely on [::]:10250
        """),
    )
    ks.deployment(
        "metrics-server",
        template=PodTemplate(
            labels={"k8s-app": "metrics-server"},
            containers=(metrics,),
            service_account="metrics-server",
            priority_class="system-cluster-critical",
            node_selector={"kubernetes.io/os": "linux"},
        ),
        replicas=1,
        created=days_ago(58, clock="16:20:41"),
    )
    for deployment in ks.deployments:
        deployment.selector = {
            key: value for key, value in deployment.current.template.labels.items() if key == "k8s-app"
        }

    default = cluster.namespace("default")
    default.service(
        "kubernetes",
        {},
        [ServicePort("https", 443, 443 if eks else 6443)],
        born,
        cluster_ip=f"{cluster.flavor.service_prefix}.0.1",
        labels={"component": "apiserver", "provider": "kubernetes"},
    )
    default.static_endpoints["kubernetes"] = list(cluster.flavor.api_server_ips)


def _static_control_plane(cluster: Cluster) -> None:
    ks = cluster.namespace("kube-system")
    control_plane = next(n for n in cluster.nodes if n.control_plane)
    components = {
        "etcd": (
            "registry.k8s.io/etcd:3.5.21-0",
            (
                "etcd",
                f"--advertise-client-urls=https://{control_plane.ip}:2379",
                "--data-dir=/var/lib/etcd",
                f"--name={control_plane.name}",
            ),
        ),
        "kube-apiserver": (
            "registry.k8s.io/kube-apiserver:v1.33.5",
            ("kube-apiserver", f"--advertise-address={control_plane.ip}", "--service-cluster-ip-range=10.96.0.0/12"),
        ),
        "kube-controller-manager": (
            "registry.k8s.io/kube-controller-manager:v1.33.5",
            ("kube-controller-manager", "--cluster-cidr=10.244.0.0/16", "--leader-elect=true"),
        ),
        "kube-scheduler": ("registry.k8s.io/kube-scheduler:v1.33.5", ("kube-scheduler", "--leader-elect=true")),
    }
    owner = Owner("Node", control_plane.name, control_plane.uid, "v1")
    for component, (image, command) in components.items():
        container = Container(
            name=component,
            image=image,
            command=command,
            requests={"cpu": "250m" if component != "etcd" else "100m"},
            liveness=http_get(
                "/livez" if component == "kube-apiserver" else "/healthz",
                {"etcd": 2381, "kube-apiserver": 6443, "kube-controller-manager": 10257, "kube-scheduler": 10259}[
                    component
                ],
                initial_delay=10,
                timeout=15,
                failure_threshold=8,
            ),
            logs=f'I1010 10:41:{20 + len(component) % 30:02d}.118235       1 server.go:150] "Starting {component}" version="v1.33.5"\n',
        )
        template = PodTemplate(
            labels={"component": component, "tier": "control-plane"},
            containers=(container,),
            host_network=True,
            priority_class="system-node-critical",
            annotations={
                "kubernetes.io/config.hash": ids.hex_id(32, "config", component),
                "kubernetes.io/config.mirror": ids.hex_id(32, "config", component),
                "kubernetes.io/config.source": "file",
            },
        )
        ks.pod(f"{component}-{control_plane.name}", template, control_plane, control_plane.created)
        ks.bare_pods[-1].owner = owner
