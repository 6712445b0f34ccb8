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

{{/* The worker roles; "all" (canary, draining) stands for these three together. */}}
{{- define "tax-reports.workerRoles" -}}
{{- toJson (list "orchestration" "llm" "render") -}}
{{- end -}}

{{/* The secret keys a role receives; "all" (canary, draining) gets the union of the worker roles' keys. */}}
{{- define "tax-reports.secretKeys" -}}
{{- $keys := list -}}
{{- if eq .role "all" -}}
{{- range $r := include "tax-reports.workerRoles" . | fromJsonArray -}}
{{- $keys = concat $keys (index $.root.Values.secrets.roleKeys $r | default list) -}}
{{- end -}}
{{- else -}}
{{- $keys = index .root.Values.secrets.roleKeys .role | default list -}}
{{- end -}}
{{- toJson ($keys | uniq | sortAlpha) -}}
{{- end -}}

{{/* "true" when the role (dict root, role) receives the encryption keys; "all" when any worker role does. */}}
{{- define "tax-reports.encrypts" -}}
{{- $enc := .root.Values.encryption -}}
{{- if $enc.enabled -}}
{{- $roles := ternary (include "tax-reports.workerRoles" . | fromJsonArray) (list .role) (eq .role "all") -}}
{{- range $r := $roles -}}
{{- if has $r $enc.roles -}}true{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
The secret environment of a role (dict root, role), at column 0: each key of secrets.roleKeys.<role> as a
secretKeyRef into secrets.existingSecret (optional unless in secrets.requiredKeys; DATABASE_URL from the role's own
login key, secrets.databaseUrlKeys), then, for the roles in encryption.roles, ENCRYPTION_KEYS from
encryption.existingSecret plus ENCRYPTION_KEY_ID. Never a literal secret.
*/}}
{{- define "tax-reports.secretEnv" -}}
{{- $v := .root.Values -}}
{{- $loginKey := index (default dict $v.secrets.databaseUrlKeys) (ternary "orchestration" .role (eq .role "all")) | default "DATABASE_URL" -}}
{{- range $key := include "tax-reports.secretKeys" . | fromJsonArray }}
- name: {{ $key }}
  valueFrom:
    secretKeyRef:
      name: {{ $v.secrets.existingSecret }}
      key: {{ ternary $loginKey $key (eq $key "DATABASE_URL") }}
      optional: {{ not (has $key $v.secrets.requiredKeys) }}
{{- end }}
{{- if include "tax-reports.encrypts" . }}
- name: ENCRYPTION_KEYS
  valueFrom:
    secretKeyRef:
      name: {{ $v.encryption.existingSecret }}
      key: {{ $v.encryption.secretKey }}
      optional: {{ not (empty $v.encryption.kmsModule) }}
- name: ENCRYPTION_KEY_ID
  value: {{ $v.encryption.keyId | quote }}
{{- with $v.encryption.kmsModule }}
- name: ENCRYPTION_KMS_MODULE
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/* The enabled roles that write (or, for backup, read) the audit log, as JSON: one store for all of them. */}}
{{- define "tax-reports.auditWriters" -}}
{{- $v := .Values -}}
{{- $writers := list -}}
{{- range $r := list "orchestration" "render" -}}
{{- if (index $v.roles $r).enabled }}{{ $writers = append $writers $r }}{{ end -}}
{{- end -}}
{{- if $v.console.enabled }}{{ $writers = append $writers "console" }}{{ end -}}
{{- if $v.auditJob.enabled }}{{ $writers = append $writers "audit" }}{{ end -}}
{{- if $v.backupJob.enabled }}{{ $writers = append $writers "backup" }}{{ end -}}
{{- toJson $writers -}}
{{- end -}}

{{/* The audit writers that get DATABASE_URL, as JSON (validate: all of them or none; db:setup runs when any). */}}
{{- define "tax-reports.databaseRoles" -}}
{{- $withDb := list -}}
{{- range $r := include "tax-reports.auditWriters" . | fromJsonArray -}}
{{- if has "DATABASE_URL" (index $.Values.secrets.roleKeys $r | default list) }}{{ $withDb = append $withDb $r }}{{ end -}}
{{- end -}}
{{- toJson $withDb -}}
{{- end -}}

{{/* The console's ServiceAccount: its own when console.serviceAccount.create or .name, else the workers'. */}}
{{- define "tax-reports.consoleServiceAccountName" -}}
{{- $sa := .Values.console.serviceAccount -}}
{{- if $sa.create -}}
{{- default (printf "%s-console" (include "tax-reports.fullname" .)) $sa.name -}}
{{- else if $sa.name -}}
{{- $sa.name -}}
{{- else -}}
{{- include "tax-reports.serviceAccountName" . -}}
{{- end -}}
{{- end -}}

{{/*
Rules a JSON schema cannot express well, checked on every render (values.schema.json checks the rest; these
also hold with --skip-schema-validation).
*/}}
{{- define "tax-reports.validate" -}}
{{- $v := .Values -}}
{{- $enc := $v.encryption -}}
{{- if $enc.enabled -}}
{{- if and (not $enc.existingSecret) (not $enc.kmsModule) -}}
{{- fail "encryption.enabled needs encryption.existingSecret: the existing Secret holding ENCRYPTION_KEYS (or set encryption.kmsModule)" -}}
{{- end -}}
{{- if not $enc.keyId -}}
{{- fail "encryption.enabled needs encryption.keyId (ENCRYPTION_KEY_ID: the key new objects are sealed with)" -}}
{{- end -}}
{{- if not $enc.secretKey -}}
{{- fail "encryption.enabled needs encryption.secretKey (the key of ENCRYPTION_KEYS in encryption.existingSecret)" -}}
{{- end -}}
{{- end -}}
{{- /* One audit store for every writer and for the backup that reads it: DATABASE_URL for all of them or for none. */ -}}
{{- $writers := include "tax-reports.auditWriters" . | fromJsonArray -}}
{{- $withDb := include "tax-reports.databaseRoles" . | fromJsonArray -}}
{{- if and $withDb (ne (len $withDb) (len $writers)) -}}
{{- fail (printf "secrets.roleKeys: DATABASE_URL (the audit log) must go to every audit writer (%s) or to none; only %s have it" (join ", " $writers) (join ", " $withDb)) -}}
{{- end -}}
{{- if and $v.backupJob.enabled (not $v.backupJob.s3Bucket) (not $v.backupJob.existingClaim) -}}
{{- fail "backupJob.enabled needs a destination: backupJob.s3Bucket (a bucket of its own) or backupJob.existingClaim (a claim of its own)" -}}
{{- end -}}
{{- if and $v.console.enabled $v.console.ingress.enabled -}}
{{- if not $v.console.ingress.host -}}
{{- fail "console.ingress.enabled needs console.ingress.host" -}}
{{- end -}}
{{- if and $v.console.ingress.tls.enabled (not $v.console.ingress.tls.secretName) -}}
{{- fail "console.ingress.tls.enabled needs console.ingress.tls.secretName" -}}
{{- end -}}
{{- end -}}
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
            {{- include "tax-reports.secretEnv" (dict "root" $root "role" .role) | trim | nindent 12 }}
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
          {{- /* Least privilege: each role mounts only its own directories of the shared volume (dataDirs: none for
          llm); only roles that run Chromium get its home. */}}
          {{- $dataMounts := include "tax-reports.dataMounts" (dict "root" $root "role" .role) | trim }}
          {{- $chromium := has .role (list "render" "all") }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- if $chromium }}
            - name: chromium-home
              mountPath: /home/node
            {{- end }}
            {{- with $dataMounts }}
            {{- . | nindent 12 }}
            {{- end }}
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: {{ .tmpSizeLimit }}
        {{- if $chromium }}
        - name: chromium-home
          emptyDir:
            sizeLimit: 256Mi
        {{- end }}
        {{- if $dataMounts }}
        {{- include "tax-reports.dataVolume" $root | nindent 8 }}
        {{- end }}
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

{{/*
The directories of the shared volume a role (dict root, role) works in, as JSON [{path, readOnly}]: each is
mounted by subPath at its configured path, so a role sees only its own part of the volume. Reports stay off
the volume with S3_BUCKET, the audit log with DATABASE_URL, the API tokens with DATABASE_URL (a table); the
llm role mounts none (its request comes in the activity's arguments), render only the report store.
*/}}
{{- define "tax-reports.dataDirs" -}}
{{- $c := .root.Values.config -}}
{{- $keys := .root.Values.secrets.roleKeys -}}
{{- $tokensFile := .root.Values.console.config.API_TOKENS_FILE -}}
{{- $fsReports := not $c.S3_BUCKET -}}
{{- $dirs := list -}}
{{- $roles := ternary (include "tax-reports.workerRoles" . | fromJsonArray) (list .role) (eq .role "all") -}}
{{- range $role := $roles -}}
{{- $fileAudit := not (has "DATABASE_URL" (index $keys $role | default list)) -}}
{{- if eq $role "orchestration" -}}
{{- $dirs = append $dirs (dict "path" $c.ERP_DATA_DIR "readOnly" false) -}}
{{- $dirs = append $dirs (dict "path" $c.OUTBOX_DIR "readOnly" false) -}}
{{- $dirs = append $dirs (dict "path" $c.LLM_CACHE_DIR "readOnly" false) -}}
{{- $dirs = append $dirs (dict "path" $c.LLM_USAGE_DIR "readOnly" false) -}}
{{- end -}}
{{- if and $fsReports (has $role (list "orchestration" "render")) -}}
{{- $dirs = append $dirs (dict "path" $c.REPORT_STORE_DIR "readOnly" false) -}}
{{- end -}}
{{- if eq $role "console" -}}
{{- $dirs = append $dirs (dict "path" $c.ERP_DATA_DIR "readOnly" true) -}}
{{- $dirs = append $dirs (dict "path" $c.LLM_USAGE_DIR "readOnly" true) -}}
{{- if $fsReports }}{{ $dirs = append $dirs (dict "path" $c.REPORT_STORE_DIR "readOnly" true) }}{{ end -}}
{{- if $fileAudit }}{{ $dirs = append $dirs (dict "path" (dir $tokensFile) "readOnly" false) }}{{ end -}}
{{- end -}}
{{- if and $fsReports (eq $role "backup") -}}
{{- $dirs = append $dirs (dict "path" $c.REPORT_STORE_DIR "readOnly" true) -}}
{{- end -}}
{{- /* The file audit log's export takes its lock file, so backup needs it writable too. */ -}}
{{- if and $fileAudit (has $role (list "orchestration" "render" "console" "audit" "backup")) -}}
{{- $dirs = append $dirs (dict "path" (dir $c.AUDIT_LOG_FILE) "readOnly" false) -}}
{{- end -}}
{{- end -}}
{{- /* A directory two roles of "all" both use is mounted once, writable if either writes. */ -}}
{{- $byPath := dict -}}
{{- range $d := $dirs -}}
{{- $seen := index $byPath $d.path -}}
{{- $_ := set $byPath $d.path (dict "path" $d.path "readOnly" (and $d.readOnly (or (not $seen) $seen.readOnly))) -}}
{{- end -}}
{{- $out := list -}}
{{- range $p := keys $byPath | sortAlpha }}{{ $out = append $out (index $byPath $p) }}{{ end -}}
{{- toJson $out -}}
{{- end -}}

{{/* volumeMounts (column 0) of the role's data directories: subPaths of persistence.mountPath. */}}
{{- define "tax-reports.dataMounts" -}}
{{- $base := printf "%s/" (trimSuffix "/" .root.Values.persistence.mountPath) -}}
{{- range $d := include "tax-reports.dataDirs" . | fromJsonArray }}
{{- if not (hasPrefix $base $d.path) }}
{{- fail (printf "%s is not under persistence.mountPath (%s): every data directory is a part of the shared volume" $d.path $base) }}
{{- end }}
- name: data
  mountPath: {{ $d.path }}
  subPath: {{ trimPrefix $base $d.path }}
  {{- if $d.readOnly }}
  readOnly: true
  {{- end }}
{{- end }}
{{- end -}}

{{/* The shared volume, for a pod that mounts any part of it. */}}
{{- define "tax-reports.dataVolume" -}}
- name: data
  persistentVolumeClaim:
    claimName: {{ .Values.persistence.existingClaim | default (printf "%s-data" (include "tax-reports.fullname" .)) }}
{{- end -}}
