{{/*
Names, labels and derived values shared by the templates.
*/}}

{{/* Chart name, overridable. */}}
{{- define "interchange.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Resource name prefix: <release>-<chart>, or the release name when it already contains the chart name. */}}
{{- define "interchange.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "interchange.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every resource. */}}
{{- define "interchange.labels" -}}
helm.sh/chart: {{ include "interchange.chart" . }}
app.kubernetes.io/name: {{ include "interchange.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: interchange
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Selector labels of the gateway pods. The component label keeps them apart from the coordinator's. */}}
{{- define "interchange.selectorLabels" -}}
app.kubernetes.io/name: {{ include "interchange.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: gateway
{{- end }}

{{/* Selector labels of the LRA coordinator pod. */}}
{{- define "interchange.lraCoordinator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "interchange.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: lra-coordinator
{{- end }}

{{- define "interchange.managementServiceName" -}}
{{- printf "%s-management" (include "interchange.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "interchange.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "interchange.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* registry/repository:tag or registry/repository@digest. Call with (dict "image" .Values.image "default" tag). */}}
{{- define "interchange.imageRef" -}}
{{- $repo := .image.repository }}
{{- if .image.registry }}
{{- $repo = printf "%s/%s" .image.registry .image.repository }}
{{- end }}
{{- if .image.digest }}
{{- printf "%s@%s" $repo .image.digest }}
{{- else }}
{{- printf "%s:%s" $repo (default .default .image.tag | toString) }}
{{- end }}
{{- end }}

{{- define "interchange.image" -}}
{{- include "interchange.imageRef" (dict "image" .Values.image "default" .Chart.AppVersion) }}
{{- end }}

{{/* Routes and config ConfigMaps: the chart's own (from inline files) or an existing one. */}}
{{- define "interchange.routesConfigMapName" -}}
{{- if .Values.routes.existingConfigMap }}
{{- .Values.routes.existingConfigMap }}
{{- else }}
{{- printf "%s-routes" (include "interchange.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "interchange.configConfigMapName" -}}
{{- if .Values.config.existingConfigMap }}
{{- .Values.config.existingConfigMap }}
{{- else }}
{{- printf "%s-config" (include "interchange.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/* "true" when a routes ConfigMap is mounted over the image's routes directory. */}}
{{- define "interchange.routesMounted" -}}
{{- if or .Values.routes.files .Values.routes.existingConfigMap }}true{{- end }}
{{- end }}

{{- define "interchange.configMounted" -}}
{{- if or .Values.config.files .Values.config.existingConfigMap }}true{{- end }}
{{- end }}

{{/*
Checksums that roll the pods when routes or config change. For an existing ConfigMap only its name
is known at render time, so editing that ConfigMap in place needs `kubectl rollout restart`.
*/}}
{{- define "interchange.routesChecksum" -}}
{{- if .Values.routes.existingConfigMap }}
{{- printf "existing:%s" .Values.routes.existingConfigMap | sha256sum }}
{{- else }}
{{- include (print $.Template.BasePath "/configmap-routes.yaml") . | sha256sum }}
{{- end }}
{{- end }}

{{- define "interchange.configChecksum" -}}
{{- if .Values.config.existingConfigMap }}
{{- printf "existing:%s" .Values.config.existingConfigMap | sha256sum }}
{{- else }}
{{- include (print $.Template.BasePath "/configmap-config.yaml") . | sha256sum }}
{{- end }}
{{- end }}

{{/* "true" when the chart deploys its own LRA coordinator. */}}
{{- define "interchange.lraCoordinator.enabled" -}}
{{- if and .Values.saga.enabled .Values.lraCoordinator.enabled }}true{{- end }}
{{- end }}

{{- define "interchange.lraCoordinator.fullname" -}}
{{- printf "%s-lra-coordinator" (include "interchange.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "interchange.lraCoordinator.image" -}}
{{- include "interchange.imageRef" (dict "image" .Values.lraCoordinator.image "default" "latest") }}
{{- end }}

{{/*
Base URL of the coordinator given to the gateway (scheme, host and port: camel-lra appends the context
path, INTERCHANGE_LRA_COORDINATOR_CONTEXT_PATH). With the chart's coordinator it is derived from the
coordinator's Service, whose name must stay stable: every LRA id embeds this URL.
*/}}
{{- define "interchange.lraCoordinatorUrl" -}}
{{- if include "interchange.lraCoordinator.enabled" . }}
{{- printf "http://%s:%v" (include "interchange.lraCoordinator.fullname" .) .Values.lraCoordinator.service.port }}
{{- else }}
{{- .Values.saga.coordinatorUrl | trimSuffix "/" }}
{{- end }}
{{- end }}

{{/* Base URL the coordinator calls back (the app appends /lra-participant): the gateway's traffic Service. */}}
{{- define "interchange.lraParticipantUrl" -}}
{{- if .Values.saga.participantUrl }}
{{- .Values.saga.participantUrl }}
{{- else }}
{{- printf "http://%s.%s.svc.%s:%v" (include "interchange.fullname" .) .Release.Namespace .Values.clusterDomain .Values.service.port }}
{{- end }}
{{- end }}

{{/* JAVA_TOOL_OPTIONS: heap sized from the container memory limit, exit (and restart) on OOM. */}}
{{- define "interchange.javaToolOptions" -}}
{{- $opts := list (printf "-XX:MaxRAMPercentage=%v" .Values.jvm.maxRamPercentage) "-XX:+ExitOnOutOfMemoryError" "-Djava.io.tmpdir=/tmp" }}
{{- with .Values.jvm.extraOptions }}
{{- $opts = append $opts . }}
{{- end }}
{{- join " " $opts }}
{{- end }}

{{/* A secretKeyRef env entry. Call with (dict "name" ENV "secret" NAME "key" KEY). */}}
{{- define "interchange.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ .secret | quote }}
      key: {{ .key | quote }}
{{- end }}

{{/* "true" when keda.triggers has a trigger of the given type. Call with (dict "root" . "type" "kafka"). */}}
{{- define "interchange.keda.hasTrigger" -}}
{{- range .root.Values.keda.triggers }}{{ if eq .type $.type }}true{{ end }}{{ end }}
{{- end }}

{{/* "true" when KEDA needs credentials for Kafka: SASL, or TLS with the chart's CA (or client certificate) Secret. */}}
{{- define "interchange.keda.kafkaAuth" -}}
{{- if include "interchange.keda.hasTrigger" (dict "root" . "type" "kafka") }}
{{- if or (hasPrefix "SASL_" .Values.kafka.securityProtocol) .Values.kafka.tls.existingSecret }}true{{ end }}
{{- end }}
{{- end }}

{{/* "true" when an SQS trigger uses the gateway's AWS identity (identityOwner pod, the default). */}}
{{- define "interchange.keda.sqsAuth" -}}
{{- range .Values.keda.triggers }}{{ if and (eq .type "aws-sqs-queue") (ne (default "pod" .identityOwner) "operator") }}true{{ end }}{{ end }}
{{- end }}

{{/* KEDA's name of the gateway's SASL mechanism. */}}
{{- define "interchange.keda.kafkaSasl" -}}
{{- get (dict "PLAIN" "plaintext" "SCRAM-SHA-256" "scram_sha256" "SCRAM-SHA-512" "scram_sha512") .Values.kafka.sasl.mechanism }}
{{- end }}

{{- define "interchange.keda.authName" -}}
{{- printf "%s-keda-%s" (include "interchange.fullname" .root) .broker | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
PromQL label matchers (no braces) that pick this release's series: those the chart's ServiceMonitor scrapes
from the management Service, unless prometheusRule.metricSelector says otherwise.
*/}}
{{- define "interchange.prometheusRule.selector" -}}
{{- if .Values.prometheusRule.metricSelector }}
{{- .Values.prometheusRule.metricSelector }}
{{- else }}
{{- printf "namespace=%q,service=%q" .Release.Namespace (include "interchange.managementServiceName" .) }}
{{- end }}
{{- end }}

{{/*
What a counter counted within a window, per series: increase() for series older than the window, and the whole
count for series that appeared within it. The gateway registers some counters at their first event (a dead
letter with a new reason, a new pod), and increase() sees nothing in a series that starts at 1.
Call with (dict "metric" "name{matchers}" "window" "10m").
*/}}
{{- define "interchange.prometheusRule.events" -}}
({{ .metric }} unless {{ .metric }} offset {{ .window }}) or increase({{ .metric }}[{{ .window }}])
{{- end }}

{{/*
Messages waiting per route: Kafka's lag is per replica (each reports its partitions'), so it is summed;
a queue's depth is the same seen from every replica, so the largest is taken. -1 (not known yet) is left out.
*/}}
{{- define "interchange.prometheusRule.backlog" -}}
(sum by (namespace, routeId, source) (interchange_bridge_backlog{ {{- . -}} ,source="kafka"} >= 0) or max by (namespace, routeId, source) (interchange_bridge_backlog{ {{- . -}} ,source!="kafka"} >= 0))
{{- end }}

{{/*
The Secret holding the gateway's Kafka client certificate (mutual TLS): kafka.tls.keystoreSecret (Strimzi's
KafkaUser Secret, say), else the truststore's; empty without kafka.tls.keystoreKey.
*/}}
{{- define "interchange.kafkaKeystoreSecret" -}}
{{- if and .Values.kafka.enabled .Values.kafka.tls.keystoreKey -}}
{{- default .Values.kafka.tls.existingSecret .Values.kafka.tls.keystoreSecret -}}
{{- end -}}
{{- end -}}

{{- define "interchange.kafkaKeystoreMountPath" -}}
{{- if .Values.kafka.tls.keystoreSecret -}}
{{- .Values.kafka.tls.keystoreMountPath -}}
{{- else -}}
{{- .Values.kafka.tls.mountPath -}}
{{- end -}}
{{- end -}}

{{/*
OpenTelemetry resource attributes of the gateway's spans: where it runs, its version, and tracing.resourceAttributes.
*/}}
{{- define "interchange.otelResourceAttributes" -}}
{{- $attributes := list (printf "k8s.namespace.name=%s" .Release.Namespace) (printf "service.version=%s" (.Values.image.tag | default .Chart.AppVersion)) -}}
{{- range $key, $value := .Values.tracing.resourceAttributes -}}
{{- $attributes = append $attributes (printf "%s=%s" $key $value) -}}
{{- end -}}
{{- join "," $attributes -}}
{{- end -}}
