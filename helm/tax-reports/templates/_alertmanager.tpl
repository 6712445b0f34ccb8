{{/*
Alert routing (alerting.*): files/alertmanager.yml (the repository's only copy of it) is the
one source of the routing tree, the timings, the inhibitions and which channels each receiver uses. The chart keeps
all of that and replaces only the placeholder endpoints of the receivers with alerting.receivers.*:
  webhook url https://pager.example.invalid/… → receivers.pager, chat.… → receivers.chat, ticket.… → receivers.ticket
  every email_configs entry                    → receivers.email
Credentials never pass through values: they are keys of alerting.existingSecret (default secrets.existingSecret),
read by the Alertmanager as files (plain config) or as Secret references (AlertmanagerConfig).
Each helper returns JSON (fromJson on the caller's side).
*/}}

{{/* The parsed routing file. */}}
{{- define "tax-reports.alerting.file" -}}
{{- $cfg := .Files.Get "files/alertmanager.yml" | fromYaml -}}
{{- if or (not $cfg) (hasKey $cfg "Error") -}}
{{- fail (printf "files/alertmanager.yml is missing or not YAML: %v" ($cfg | default dict).Error) -}}
{{- end -}}
{{- range $k := list "route" "receivers" -}}
{{- if not (hasKey $cfg $k) -}}
{{- fail (printf "files/alertmanager.yml has no %s" $k) -}}
{{- end -}}
{{- end -}}
{{- toJson $cfg -}}
{{- end -}}

{{/* The Secret holding the receivers' credentials. */}}
{{- define "tax-reports.alerting.secret" -}}
{{- .Values.alerting.existingSecret | default .Values.secrets.existingSecret -}}
{{- end -}}

{{/* The values of a webhook config of the file (dict root, config): alerting.receivers.<channel>, checked. */}}
{{- define "tax-reports.alerting.webhook" -}}
{{- $url := .config.url | default "" | toString -}}
{{- $channel := regexReplaceAll "^https://(pager|chat|ticket)\\.example\\.invalid(/.*)?$" $url "${1}" -}}
{{- if not (has $channel (list "pager" "chat" "ticket")) -}}
{{- fail (printf "files/alertmanager.yml: webhook url %q is not a placeholder the chart knows (https://pager|chat|ticket.example.invalid/…)" $url) -}}
{{- end -}}
{{- $r := index .root.Values.alerting.receivers $channel -}}
{{- $_ := required (printf "alerting.receivers.%s.url is required while alerting is enabled" $channel) $r.url -}}
{{- if regexMatch "^https?://[^/?#]*@" $r.url -}}
{{- fail (printf "alerting.receivers.%s.url carries credentials: put the token in alerting.existingSecret and name its key in bearerTokenSecretKey" $channel) -}}
{{- end -}}
{{- toJson (dict "channel" $channel "url" $r.url "tokenKey" ($r.bearerTokenSecretKey | default "")) -}}
{{- end -}}

{{/* alerting.receivers.email, checked. */}}
{{- define "tax-reports.alerting.email" -}}
{{- $e := .Values.alerting.receivers.email -}}
{{- range $k := list "to" "from" "smarthost" -}}
{{- $_ := required (printf "alerting.receivers.email.%s is required while alerting is enabled" $k) (index $e $k) -}}
{{- end -}}
{{- toJson $e -}}
{{- end -}}

{{/* Fails unless the Secret for a credential key (dict root, key) is known. */}}
{{- define "tax-reports.alerting.needSecret" -}}
{{- if and .key (not (include "tax-reports.alerting.secret" .root)) -}}
{{- fail (printf "alerting: the credential key %s needs alerting.existingSecret (or secrets.existingSecret)" .key) -}}
{{- end -}}
{{- end -}}

{{/* alertmanager.yaml: the file with the receivers' endpoints from values. */}}
{{- define "tax-reports.alerting.plainConfig" -}}
{{- $root := . -}}
{{- $cfg := include "tax-reports.alerting.file" . | fromJson -}}
{{- $dir := printf "%s/%s" (trimSuffix "/" .Values.alerting.plainConfig.secretsMountPath) (include "tax-reports.alerting.secret" .) -}}
{{- $receivers := list -}}
{{- range $rcv := $cfg.receivers -}}
{{- $out := omit $rcv "webhook_configs" "email_configs" -}}
{{- if hasKey $rcv "webhook_configs" -}}
{{- $hooks := list -}}
{{- range $w := $rcv.webhook_configs -}}
{{- $v := include "tax-reports.alerting.webhook" (dict "root" $root "config" $w) | fromJson -}}
{{- $hook := merge (dict "url" $v.url) (omit $w "url") -}}
{{- if $v.tokenKey -}}
{{- include "tax-reports.alerting.needSecret" (dict "root" $root "key" $v.tokenKey) -}}
{{- $_ := set $hook "http_config" (dict "authorization" (dict "type" "Bearer" "credentials_file" (printf "%s/%s" $dir $v.tokenKey))) -}}
{{- end -}}
{{- $hooks = append $hooks $hook -}}
{{- end -}}
{{- $_ := set $out "webhook_configs" $hooks -}}
{{- end -}}
{{- if hasKey $rcv "email_configs" -}}
{{- $e := include "tax-reports.alerting.email" $root | fromJson -}}
{{- $mails := list -}}
{{- range $m := $rcv.email_configs -}}
{{- $mail := merge (dict "to" $e.to "from" $e.from "smarthost" $e.smarthost "require_tls" $e.requireTLS) (omit $m "to" "from" "smarthost" "require_tls") -}}
{{- with $e.authUsername -}}
{{- $_ := set $mail "auth_username" . -}}
{{- end -}}
{{- with $e.authPasswordSecretKey -}}
{{- include "tax-reports.alerting.needSecret" (dict "root" $root "key" .) -}}
{{- $_ := set $mail "auth_password_file" (printf "%s/%s" $dir .) -}}
{{- end -}}
{{- $mails = append $mails $mail -}}
{{- end -}}
{{- $_ := set $out "email_configs" $mails -}}
{{- end -}}
{{- $receivers = append $receivers $out -}}
{{- end -}}
{{- $_ := set $cfg "receivers" $receivers -}}
{{- toJson $cfg -}}
{{- end -}}

{{/* An Alertmanager matcher string (name="v", name=~"v", name!="v", name!~"v") as a v1alpha1 Matcher. */}}
{{- define "tax-reports.alerting.crdMatcher" -}}
{{- $re := "^\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)\\s*\"([^\"\\\\]*)\"\\s*$" -}}
{{- if not (regexMatch $re .) -}}
{{- fail (printf "files/alertmanager.yml: matcher %q is not of the form name=\"value\" (=, !=, =~, !~; no escapes)" .) -}}
{{- end -}}
{{- toJson (dict "name" (regexReplaceAll $re . "${1}") "matchType" (regexReplaceAll $re . "${2}") "value" (regexReplaceAll $re . "${3}")) -}}
{{- end -}}

{{/* snake_case key → the camelCase of the CRD. */}}
{{- define "tax-reports.alerting.crdKey" -}}
{{- $special := dict "require_tls" "requireTLS" "source_matchers" "sourceMatch" "target_matchers" "targetMatch" -}}
{{- index $special . | default (camelcase . | untitle) -}}
{{- end -}}

{{/* A route of the file (and its children) as a v1alpha1 Route. */}}
{{- define "tax-reports.alerting.crdRoute" -}}
{{- $out := dict -}}
{{- range $k, $v := . -}}
{{- if eq $k "matchers" -}}
{{- $ms := list -}}
{{- range $m := $v -}}
{{- $ms = append $ms (include "tax-reports.alerting.crdMatcher" $m | fromJson) -}}
{{- end -}}
{{- $_ := set $out "matchers" $ms -}}
{{- else if eq $k "routes" -}}
{{- $rs := list -}}
{{- range $r := $v -}}
{{- $rs = append $rs (include "tax-reports.alerting.crdRoute" $r | fromJson) -}}
{{- end -}}
{{- $_ := set $out "routes" $rs -}}
{{- else if has $k (list "receiver" "group_by" "group_wait" "group_interval" "repeat_interval" "continue" "mute_time_intervals" "active_time_intervals") -}}
{{- $_ := set $out (include "tax-reports.alerting.crdKey" $k) $v -}}
{{- else -}}
{{- fail (printf "files/alertmanager.yml: route key %q has no AlertmanagerConfig equivalent in this chart (use matchers, not match/match_re)" $k) -}}
{{- end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{/* The AlertmanagerConfig spec: the file's route, inhibitions and receivers, credentials as Secret references. */}}
{{- define "tax-reports.alerting.crdSpec" -}}
{{- $root := . -}}
{{- $cfg := include "tax-reports.alerting.file" . | fromJson -}}
{{- $secret := include "tax-reports.alerting.secret" . -}}
{{- $receivers := list -}}
{{- range $rcv := $cfg.receivers -}}
{{- $out := dict "name" $rcv.name -}}
{{- range $k := keys (omit $rcv "name" "webhook_configs" "email_configs") -}}
{{- fail (printf "files/alertmanager.yml: receiver %s: %s is not supported by the chart (webhook_configs, email_configs)" $rcv.name $k) -}}
{{- end -}}
{{- if hasKey $rcv "webhook_configs" -}}
{{- $hooks := list -}}
{{- range $w := $rcv.webhook_configs -}}
{{- $v := include "tax-reports.alerting.webhook" (dict "root" $root "config" $w) | fromJson -}}
{{- $hook := dict "url" $v.url -}}
{{- range $k, $x := omit $w "url" -}}
{{- $_ := set $hook (include "tax-reports.alerting.crdKey" $k) $x -}}
{{- end -}}
{{- if $v.tokenKey -}}
{{- include "tax-reports.alerting.needSecret" (dict "root" $root "key" $v.tokenKey) -}}
{{- $_ := set $hook "httpConfig" (dict "authorization" (dict "type" "Bearer" "credentials" (dict "name" $secret "key" $v.tokenKey))) -}}
{{- end -}}
{{- $hooks = append $hooks $hook -}}
{{- end -}}
{{- $_ := set $out "webhookConfigs" $hooks -}}
{{- end -}}
{{- if hasKey $rcv "email_configs" -}}
{{- $e := include "tax-reports.alerting.email" $root | fromJson -}}
{{- $mails := list -}}
{{- range $m := $rcv.email_configs -}}
{{- $mail := dict "to" $e.to "from" $e.from "smarthost" $e.smarthost "requireTLS" $e.requireTLS -}}
{{- range $k, $x := omit $m "to" "from" "smarthost" "require_tls" -}}
{{- $_ := set $mail (include "tax-reports.alerting.crdKey" $k) $x -}}
{{- end -}}
{{- with $e.authUsername -}}
{{- $_ := set $mail "authUsername" . -}}
{{- end -}}
{{- with $e.authPasswordSecretKey -}}
{{- include "tax-reports.alerting.needSecret" (dict "root" $root "key" .) -}}
{{- $_ := set $mail "authPassword" (dict "name" $secret "key" .) -}}
{{- end -}}
{{- $mails = append $mails $mail -}}
{{- end -}}
{{- $_ := set $out "emailConfigs" $mails -}}
{{- end -}}
{{- $receivers = append $receivers $out -}}
{{- end -}}
{{- $inhibit := list -}}
{{- range $rule := $cfg.inhibit_rules | default list -}}
{{- $out := dict -}}
{{- range $k, $v := $rule -}}
{{- if has $k (list "source_matchers" "target_matchers") -}}
{{- $ms := list -}}
{{- range $m := $v -}}
{{- $ms = append $ms (include "tax-reports.alerting.crdMatcher" $m | fromJson) -}}
{{- end -}}
{{- $_ := set $out (include "tax-reports.alerting.crdKey" $k) $ms -}}
{{- else if eq $k "equal" -}}
{{- $_ := set $out "equal" $v -}}
{{- else -}}
{{- fail (printf "files/alertmanager.yml: inhibit rule key %q is not supported by the chart (source_matchers, target_matchers, equal)" $k) -}}
{{- end -}}
{{- end -}}
{{- $inhibit = append $inhibit $out -}}
{{- end -}}
{{- toJson (dict "route" (include "tax-reports.alerting.crdRoute" $cfg.route | fromJson) "receivers" $receivers "inhibitRules" $inhibit) -}}
{{- end -}}
