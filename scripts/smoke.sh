#!/usr/bin/env bash
# A full stateless transfer against a running relay: create, preview, read, delete, then gone.
#   scripts/smoke.sh https://<app>.azurewebsites.net
# Needs bash and curl; uses jq when present (SMOKE_USE_JQ=no forces grep/sed). Exits non-zero at the first failed step.
set -euo pipefail

usage() { echo "usage: $0 RELAY_URL   (e.g. https://func-relay-abc.azurewebsites.net)" >&2; exit 2; }
[[ $# -eq 1 && -n "$1" ]] || usage
base="${1%/}"
command -v curl >/dev/null || { echo "smoke: curl is required" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
step=0

fail() { echo "FAIL step $step: $*" >&2; [[ -s "$work/body" ]] && { echo "--- response body ---" >&2; head -c 2000 "$work/body" >&2; echo >&2; }; exit 1; }
begin() { step=$((step + 1)); printf '%d. %s ... ' "$step" "$1"; }
ok() { echo "ok${1:+ ($1)}"; }

uuid() {
  local hex
  hex="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
  # RFC 9562 version 4, variant 10.
  printf '%s-%s-4%s-%x%s-%s\n' "${hex:0:8}" "${hex:8:4}" "${hex:13:3}" $(( (0x${hex:16:1} & 0x3) | 0x8 )) "${hex:17:3}" "${hex:20:12}"
}

# request METHOD PATH [curl args...]: body to $work/body, headers to $work/headers, status in $status.
request() {
  local method="$1" path="$2"; shift 2
  status="$(curl -sS -o "$work/body" -D "$work/headers" -w '%{http_code}' --max-time 30 -X "$method" "$base$path" "$@")" \
    || fail "$method $base$path did not answer (curl exit $?)"
}

expect_status() { [[ "$status" == "$1" ]] || fail "expected HTTP $1, got $status"; }

# json_string FIELD: the first string value of FIELD in $work/body, JSON escapes of / and + undone.
json_string() {
  if [[ "${SMOKE_USE_JQ:-auto}" != no ]] && command -v jq >/dev/null; then
    jq -r --arg f "$1" '.. | objects | select(has($f)) | .[$f] | strings' "$work/body" | head -n 1
  else
    tr -d '\n' < "$work/body" | sed -e 's/\\u002[Bb]/+/g' -e 's/\\u002[Ff]/\//g' -e 's/\\\//\//g' \
      | grep -o "\"$1\"[[:space:]]*:[[:space:]]*\"[^\"]*\"" | head -n 1 | sed -e 's/^.*:[[:space:]]*"//' -e 's/"$//'
  fi
}

mailbox="$(uuid)"
sender="$(uuid)"
receiver="$(uuid)"
correlation="$(uuid)"
data="$(head -c 48 /dev/urandom | base64 | tr -d '\n')"
title="Smoke test"

begin "create mailbox $mailbox (POST /v1/m)"
request POST /v1/m \
  -H "Content-Type: application/json" -H "deviceClaim: $sender" -H "Mailbox-Correlation-ID: $correlation" \
  --data-binary @- <<JSON
{"mailboxIdentifier":"$mailbox","displayInformation":{"title":"$title","description":"scripts/smoke.sh end-to-end check","imageURL":"https://example.com/i.png"},"payload":{"type":"AES128","data":"$data"},"mailboxConfiguration":{"accessRights":"RD","timeToLive":"300"}}
JSON
expect_status 200
link="$(json_string urlLink)"
[[ -n "$link" ]] || fail "no urlLink in the answer"
[[ "$link" == *"$mailbox"* ]] || fail "urlLink $link does not name mailbox $mailbox"
ok "$link"

begin "preview (GET /v1/m/$mailbox)"
request GET "/v1/m/$mailbox"
expect_status 200
grep -qi '^content-type:[[:space:]]*text/html' "$work/headers" || fail "expected Content-Type text/html"
grep -q "og:title\"[^>]*content=\"$title\"" "$work/body" || fail "no og:title \"$title\" in the preview page"
ok "og:title"

begin "read secure content with a second device (POST /v1/m/$mailbox)"
request POST "/v1/m/$mailbox" -H "deviceClaim: $receiver" -H "Mailbox-Correlation-ID: $(uuid)"
expect_status 200
got="$(json_string data)"
[[ "$got" == "$data" ]] || fail "payload data differs: sent $data, read ${got:-nothing}"
ok "same payload"

begin "delete with the receiver's claim (DELETE /v1/m/$mailbox)"
request DELETE "/v1/m/$mailbox" -H "deviceClaim: $receiver" -H "Mailbox-Correlation-ID: $(uuid)"
expect_status 200
ok

begin "mailbox is gone (GET /v1/m/$mailbox)"
request GET "/v1/m/$mailbox"
expect_status 404
ok

echo "smoke: all $step steps passed against $base"
