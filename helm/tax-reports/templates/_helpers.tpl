{{/* Names, labels and the pieces every worker Deployment shares. */}}

{{- define "tax-reports.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "tax-reports.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "tax-reports.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tax-reports.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "tax-reports.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "tax-reports.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: tax-reports
{{- end -}}

{{- define "tax-reports.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "tax-reports.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* image reference: dict "root" $ "override" (dict tag digest); a digest wins over a tag. */}}
{{- define "tax-reports.image" -}}
{{- $img := .root.Values.image -}}
{{- $o := .override | default dict -}}
{{- $digest := $o.digest | default "" -}}
{{- $tag := $o.tag | default "" -}}
{{- if and (not $digest) (not $tag) -}}
{{- $digest = $img.digest -}}
{{- $tag = $img.tag | default .root.Chart.AppVersion -}}
{{- end -}}
{{- if $digest -}}
{{- printf "%s@%s" $img.repository $digest -}}
{{- else -}}
{{- printf "%s:%s" $img.repository (toString $tag) -}}
{{- end -}}
{{- end -}}

{{/* A build id as a DNS-1123 name part. */}}
{{- define "tax-reports.buildIdSlug" -}}
{{- . | toString | lower | replace "_" "-" | replace "." "-" | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{/* The secret keys a role receives; "all" (canary, draining) gets the union. */}}
{{- define "tax-reports.secretKeys" -}}
{{- $keys := list -}}
{{- if eq .role "all" -}}
{{- range $r, $ks := .root.Values.secrets.roleKeys -}}
{{- $keys = concat $keys $ks -}}
{{- end -}}
{{- else -}}
{{- $keys = index .root.Values.secrets.roleKeys .role | default list -}}
{{- end -}}
{{- toJson ($keys | uniq | sortAlpha) -}}
{{- end -}}

{{/*
A worker Deployment. dict:
  root, name (suffix), role (orchestration|llm|render|all), track (stable|canary|draining), buildId,
  image (tag/digest override or nil), replicas, hpaManaged, resources, tmpSizeLimit, terminationGracePeriodSeconds
*/}}
{{- define "tax-reports.workerDeployment" -}}
{{- $root := .root -}}
{{- $v := $root.Values -}}
{{- $component := ternary .role .track (eq .track "stable") -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ printf "%s-%s" (include "tax-reports.fullname" $root) .name | trunc 63 | trimSuffix "-" }}
  labels:
    {{- include "tax-reports.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ $component }}
    tax-reports/role: {{ .role }}
    tax-reports/track: {{ .track }}
    tax-reports/build-id: {{ .buildId | quote }}
spec:
  {{- if not .hpaManaged }}
  replicas: {{ .replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 0
      maxSurge: 1
  selector:
    matchLabels:
      {{- include "tax-reports.selectorLabels" $root | nindent 6 }}
      app.kubernetes.io/component: {{ $component }}
      tax-reports/track: {{ .track }}
      {{- if eq .track "draining" }}
      tax-reports/build-id: {{ .buildId | quote }}
      {{- end }}
  template:
    metadata:
      labels:
        {{- include "tax-reports.selectorLabels" $root | nindent 8 }}
        app.kubernetes.io/component: {{ $component }}
        tax-reports/role: {{ .role }}
        tax-reports/track: {{ .track }}
        tax-reports/build-id: {{ .buildId | quote }}
        tax-reports/metrics: "true"
        {{- with $v.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        checksum/config: {{ include (print $root.Template.BasePath "/configmap.yaml") $root | sha256sum }}
        {{- with $v.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "tax-reports.serviceAccountName" $root }}
      automountServiceAccountToken: false
      {{- with $v.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml $v.podSecurityContext | nindent 8 }}
      terminationGracePeriodSeconds: {{ .terminationGracePeriodSeconds }}
      {{- with $v.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
      containers:
        - name: worker
          image: {{ include "tax-reports.image" (dict "root" $root "override" .image) | quote }}
          imagePullPolicy: {{ $v.image.pullPolicy }}
          securityContext:
            {{- toYaml $v.securityContext | nindent 12 }}
          envFrom:
            - configMapRef:
                name: {{ include "tax-reports.fullname" $root }}
          env:
            - name: WORKER_ROLE
              value: {{ .role | quote }}
            - name: WORKER_DEPLOYMENT_NAME
              value: {{ $v.versioning.deploymentName | quote }}
            - name: WORKER_BUILD_ID
              value: {{ .buildId | quote }}
            - name: METRICS_PORT
              value: {{ $v.metrics.port | quote }}
            - name: TEMPORAL_METRICS_PORT
              value: {{ $v.metrics.temporalPort | quote }}
            - name: OTEL_SERVICE_NAME
              value: {{ printf "tax-reports-%s" .role | quote }}
            {{- range $key := include "tax-reports.secretKeys" (dict "root" $root "role" .role) | fromJsonArray }}
            - name: {{ $key }}
              valueFrom:
                secretKeyRef:
                  name: {{ $v.secrets.existingSecret }}
                  key: {{ $key }}
                  optional: {{ not (has $key $v.secrets.requiredKeys) }}
            {{- end }}
          ports:
            - name: metrics
              containerPort: {{ $v.metrics.port }}
              protocol: TCP
            - name: temporal-metrics
              containerPort: {{ $v.metrics.temporalPort }}
              protocol: TCP
          startupProbe:
            httpGet:
              path: /healthz
              port: metrics
            periodSeconds: 2
            failureThreshold: {{ $v.probes.startupFailureThreshold }}
          livenessProbe:
            httpGet:
              path: /healthz
              port: metrics
            periodSeconds: {{ $v.probes.liveness.periodSeconds }}
            timeoutSeconds: {{ $v.probes.liveness.timeoutSeconds }}
            failureThreshold: {{ $v.probes.liveness.failureThreshold }}
          readinessProbe:
            httpGet:
              path: /healthz
              port: metrics
            periodSeconds: {{ $v.probes.readiness.periodSeconds }}
            timeoutSeconds: {{ $v.probes.readiness.timeoutSeconds }}
            failureThreshold: {{ $v.probes.readiness.failureThreshold }}
          resources:
            {{- toYaml .resources | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            - name: chromium-home
              mountPath: /home/node
            - name: data
              mountPath: {{ $v.persistence.mountPath }}
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: {{ .tmpSizeLimit }}
        - name: chromium-home
          emptyDir:
            sizeLimit: 256Mi
        - name: data
          persistentVolumeClaim:
            claimName: {{ $v.persistence.existingClaim | default (printf "%s-data" (include "tax-reports.fullname" $root)) }}
      {{- with $v.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- if $v.topologySpread.enabled }}
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: {{ $v.topologySpread.topologyKey }}
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "tax-reports.selectorLabels" $root | nindent 14 }}
              app.kubernetes.io/component: {{ $component }}
              tax-reports/track: {{ .track }}
      {{- end }}
{{- end -}}
