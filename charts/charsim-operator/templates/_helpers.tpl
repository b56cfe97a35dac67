{{/* Names and labels shared by every template. */}}

{{- define "charsim-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The prefix of every resource name: fullnameOverride, else the release name when
it already contains the chart name, else <release>-<chart>. Kept to 35
characters so that the longest suffix, "-leader-election-rolebinding", stays
within the 63 allowed in a name.
*/}}
{{- define "charsim-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 35 | trimSuffix "-" }}
{{- else }}
{{- $name := include "charsim-operator.name" . }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 35 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 35 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "charsim-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels: stable for the life of a release. */}}
{{- define "charsim-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "charsim-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "charsim-operator.labels" -}}
helm.sh/chart: {{ include "charsim-operator.chart" . }}
{{ include "charsim-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: manager
app.kubernetes.io/part-of: charsim
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "charsim-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "charsim-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The operator's tag; the stack images default to it too. */}}
{{- define "charsim-operator.tag" -}}
{{- .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{- define "charsim-operator.mcpServerImage" -}}
{{- printf "%s:%s" .Values.mcpServerImage.repository (.Values.mcpServerImage.tag | default (include "charsim-operator.tag" .)) }}
{{- end }}

{{- define "charsim-operator.discordBotImage" -}}
{{- printf "%s:%s" .Values.discordBotImage.repository (.Values.discordBotImage.tag | default (include "charsim-operator.tag" .)) }}
{{- end }}

{{/*
The rules of a Role or ClusterRole from config/rbac, which hack/sync-chart.sh
copies to files/rbac/ so the chart and the kustomize install never disagree.
Call with (dict "root" $ "file" "role.yaml").
*/}}
{{- define "charsim-operator.rules" -}}
{{- $file := printf "files/rbac/%s" .file }}
{{- $role := .root.Files.Get $file | fromYaml }}
{{- if not $role.rules }}
{{- fail (printf "%s is missing or has no rules: run hack/sync-chart.sh" $file) }}
{{- end }}
{{- toYaml $role.rules }}
{{- end }}

{{/* Where the metrics certificate Secret is mounted. */}}
{{- define "charsim-operator.metricsCertDir" -}}
/var/run/secrets/charsim/metrics-certs
{{- end }}
