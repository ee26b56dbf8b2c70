{{/* Names ------------------------------------------------------------------------------- */}}

{{- define "sre.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's base name; the orchestrator (REST API) objects carry it as is. */}}
{{- define "sre.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 59 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 59 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 59 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "sre.mcpName" -}}
{{- printf "%s-mcp" (include "sre.fullname" .) }}
{{- end }}

{{- define "sre.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels -------------------------------------------------------------------------------- */}}

{{- define "sre.labels" -}}
helm.sh/chart: {{ include "sre.chart" . }}
app.kubernetes.io/name: {{ include "sre.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: sre-orchestrator
{{- end }}

{{- define "sre.orchestratorSelector" -}}
app.kubernetes.io/name: {{ include "sre.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: orchestrator
{{- end }}

{{- define "sre.mcpSelector" -}}
app.kubernetes.io/name: {{ include "sre.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: mcp-server
{{- end }}

{{- define "sre.orchestratorLabels" -}}
{{ include "sre.labels" . }}
app.kubernetes.io/component: orchestrator
{{- end }}

{{- define "sre.mcpLabels" -}}
{{ include "sre.labels" . }}
app.kubernetes.io/component: mcp-server
{{- end }}

{{/* The image ---------------------------------------------------------------------------- */}}

{{- define "sre.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.image.digest }}
{{- printf "%s:%s@%s" .Values.image.repository $tag .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{- define "sre.pullPolicy" -}}
{{- if .Values.image.pullPolicy }}
{{- .Values.image.pullPolicy }}
{{- else if .Values.image.digest }}
{{- "IfNotPresent" }}
{{- else }}
{{- "Always" }}
{{- end }}
{{- end }}

{{/* Security contexts: non-root, read-only root, no capabilities, no escalation, RuntimeDefault. */}}

{{- define "sre.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.runAsUser }}
runAsGroup: {{ .Values.runAsGroup }}
fsGroup: {{ .Values.runAsGroup }}
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "sre.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.runAsUser }}
runAsGroup: {{ .Values.runAsGroup }}
allowPrivilegeEscalation: false
privileged: false
readOnlyRootFilesystem: true
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
The Host headers a Service's clients send: its short, namespaced and fully qualified names, with
and without the port (a client leaves out port 80). For the DNS-rebinding guard of `/mcp`.
Call with (dict "name" N "port" P "root" $).
*/}}
{{- define "sre.serviceHosts" -}}
{{- $ns := .root.Release.Namespace }}
{{- $hosts := list }}
{{- range $host := list .name (printf "%s.%s" .name $ns) (printf "%s.%s.svc" .name $ns) (printf "%s.%s.svc.%s" .name $ns .root.Values.clusterDomain) }}
{{- $hosts = append $hosts (printf "%s:%d" $host (int $.port)) }}
{{- $hosts = append $hosts $host }}
{{- end }}
{{- join "," $hosts }}
{{- end }}

{{/* Secrets and ConfigMaps ----------------------------------------------------------------- */}}

{{- define "sre.apiTokensSecret" -}}
{{- default (printf "%s-api-tokens" (include "sre.fullname" .)) .Values.auth.existingSecret }}
{{- end }}

{{- define "sre.apiTokensKey" -}}
{{- if .Values.auth.existingSecret }}{{ .Values.auth.existingSecretKey }}{{ else }}tokens{{ end }}
{{- end }}

{{- define "sre.mcpTokenSecret" -}}
{{- default (printf "%s-mcp-token" (include "sre.fullname" .)) .Values.mcp.auth.existingSecret }}
{{- end }}

{{- define "sre.mcpTokenKey" -}}
{{- if .Values.mcp.auth.existingSecret }}{{ .Values.mcp.auth.existingSecretKey }}{{ else }}token{{ end }}
{{- end }}

{{- define "sre.knowledgeGraphConfigMap" -}}
{{- if .Values.knowledgeGraph.existingConfigMap }}{{ .Values.knowledgeGraph.existingConfigMap }}
{{- else if .Values.knowledgeGraph.content }}{{ printf "%s-knowledge-graph" (include "sre.fullname" .) }}
{{- end }}
{{- end }}

{{- define "sre.knowledgeGraphKey" -}}
{{- if .Values.knowledgeGraph.existingConfigMap }}{{ .Values.knowledgeGraph.existingConfigMapKey }}{{ else }}knowledge_graph.yaml{{ end }}
{{- end }}

{{- define "sre.rulesConfigMap" -}}
{{- if .Values.rules.existingConfigMap }}{{ .Values.rules.existingConfigMap }}
{{- else if .Values.rules.files }}{{ printf "%s-rules" (include "sre.fullname" .) }}
{{- end }}
{{- end }}

{{- define "sre.dataClaim" -}}
{{- default (printf "%s-data" (include "sre.fullname" .)) .Values.persistence.existingClaim }}
{{- end }}

{{/* RBAC ----------------------------------------------------------------------------------- */}}

{{/* With scope=namespace, the namespaces that get a Role: mcp.rbac.namespaces, else
mcp.allowedNamespaces, else the release's own. Comma-separated. */}}
{{- define "sre.rbacNamespaces" -}}
{{- $namespaces := .Values.mcp.rbac.namespaces | default .Values.mcp.allowedNamespaces | default (list .Release.Namespace) }}
{{- join "," $namespaces }}
{{- end }}

{{/*
The rules of the MCP server: get and list on exactly the resources its tools read, get on
pods/log (mcp_servers/kubernetes/resources.py; tests/test_chart.py keeps the two equal).
"namespaced" renders the namespaced resources, "cluster" the cluster-scoped ones (nodes).
*/}}
{{- define "sre.mcpRules" -}}
{{- if eq . "namespaced" }}
- apiGroups: [""]
  resources: [pods, events, services, endpoints, persistentvolumeclaims]
  verbs: [get, list]
- apiGroups: [""]
  resources: [pods/log]
  verbs: [get]
- apiGroups: [apps]
  resources: [deployments, replicasets, statefulsets, daemonsets, controllerrevisions]
  verbs: [get, list]
- apiGroups: [batch]
  resources: [jobs]
  verbs: [get, list]
{{- else }}
- apiGroups: [""]
  resources: [nodes]
  verbs: [get, list]
{{- end }}
{{- end }}

{{/*
Rules for mcp.rbac.genericResources ("resource" or "resource.group"), one per API group, get and
list: `scope` "namespaced" gives the namespaced entries (for a Role), "cluster" the cluster-scoped
ones (a Role cannot grant those). Secrets are refused.
*/}}
{{- define "sre.genericRules" -}}
{{- $clusterScoped := list "namespaces" "persistentvolumes" "nodes" "storageclasses.storage.k8s.io" "nodes.metrics.k8s.io" "ingressclasses.networking.k8s.io" "customresourcedefinitions.apiextensions.k8s.io" "priorityclasses.scheduling.k8s.io" "runtimeclasses.node.k8s.io" "csidrivers.storage.k8s.io" "csinodes.storage.k8s.io" "volumeattachments.storage.k8s.io" "clusterroles.rbac.authorization.k8s.io" "clusterrolebindings.rbac.authorization.k8s.io" }}
{{- $groups := dict }}
{{- $order := list }}
{{- range .resources }}
{{- if or (eq . "secrets") (contains "*" .) }}
{{- fail (printf "mcp.rbac.genericResources: %q may not be granted (no Secrets, no wildcards)" .) }}
{{- end }}
{{- if eq (has . $clusterScoped) (eq $.scope "cluster") }}
{{- $parts := splitn "." 2 . }}
{{- $group := $parts._1 | default "" }}
{{- if not (hasKey $groups $group) }}
{{- $order = append $order $group }}
{{- $_ := set $groups $group list }}
{{- end }}
{{- $_ := set $groups $group (append (get $groups $group) $parts._0) }}
{{- end }}
{{- end }}
{{- range $order }}
- apiGroups: [{{ . | quote }}]
  resources: [{{ join ", " (get $groups .) }}]
  verbs: [get, list]
{{- end }}
{{- end }}

{{/* Pod annotations by which Prometheus finds /metrics on the http port. */}}
{{- define "sre.scrapeAnnotations" -}}
{{- if .Values.metrics.annotations }}
prometheus.io/scrape: "true"
prometheus.io/port: "8080"
prometheus.io/path: /metrics
{{- end }}
{{- end }}

{{- /* The kubeconfig Secret mounted into the MCP server for several contexts ("" without one). */ -}}
{{- define "sre.kubeconfigSecret" -}}
{{- if and .Values.mcp.contexts (not .Values.mcp.kubeconfig.existingSecret) -}}
{{- fail "mcp.contexts needs mcp.kubeconfig.existingSecret: the name of a Secret you created holding a kubeconfig with those contexts (kubectl create secret generic NAME --from-file=config=KUBECONFIG)" -}}
{{- end -}}
{{- .Values.mcp.kubeconfig.existingSecret -}}
{{- end -}}

{{- /* Where the MCP server reads that kubeconfig, and where the orchestrator reads the MCP token as a file. */ -}}
{{- define "sre.kubeconfigDir" -}}/etc/sre-orchestrator/kubeconfig{{- end -}}
{{- define "sre.mcpTokenDir" -}}/var/run/secrets/sre-orchestrator/mcp{{- end -}}

{{- /* SRE_CLUSTERS entries for mcp.contexts: each context a cluster read through this release's MCP server. */ -}}
{{- define "sre.contextClusters" -}}
{{- $url := printf "http://%s:%d/mcp" (include "sre.mcpName" .) (int .Values.mcp.service.port) -}}
{{- $clusters := dict -}}
{{- range .Values.mcp.contexts -}}
{{- $name := .cluster | default .name -}}
{{- if or (not (regexMatch "^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$" $name)) (gt (len $name) 63) (eq $name "default") -}}
{{- fail (printf "mcp.contexts: %q is no cluster name (letters, digits, - _ ., at most 63, not \"default\"): give that context a `cluster`" $name) -}}
{{- end -}}
{{- if or (hasKey $.Values.clusters $name) (hasKey $clusters $name) -}}
{{- fail (printf "cluster %q is named twice (clusters and mcp.contexts): give the context another `cluster`" $name) -}}
{{- end -}}
{{- $_ := set $clusters $name (dict "url" $url "context" .name "token_file" (printf "%s/token" (include "sre.mcpTokenDir" $))) -}}
{{- end -}}
{{- toJson $clusters -}}
{{- end -}}
