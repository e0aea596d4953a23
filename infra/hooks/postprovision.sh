#!/usr/bin/env bash
# azd postprovision hook: once Key Vault holds the relay's keys, the azd environment forgets them, so the keys live in
# the vault alone and the next `azd provision` keeps them (preprovision.sh). A one-off RELAY_ALLOW_KEY_REPLACEMENT is
# cleared too. Likewise the push secrets (APNS_TOKEN, FCM_PRIVATE_KEY_BASE64) once the hub holds their credentials: no
# secret is left in plain text in .azure/<env>/.env, and the next provision, sending no credential, keeps the hub's.
set -euo pipefail
# shellcheck source=infra/hooks/keys.sh
. "$(dirname "$0")/keys.sh"

require_az

vault_id=$(find_vault_id)
[ -n "$vault_id" ] || fail "no Key Vault for environment ${AZURE_ENV_NAME} after provisioning."

for entry in "${RELAY_KEYS[@]}"; do
  read -r variable secret _ <<<"$entry"
  if [ -n "${!variable:-}" ]; then
    secret_exists "$vault_id" "$secret" || fail "Key Vault has no ${secret} after provisioning; ${variable} is kept in the azd environment."
    azd env set "$variable" "" >/dev/null
    echo "Relay keys: ${secret} is in Key Vault; ${variable} removed from the azd environment."
  fi
done
if [ -n "${RELAY_ALLOW_KEY_REPLACEMENT:-}" ]; then
  azd env set RELAY_ALLOW_KEY_REPLACEMENT "" >/dev/null
fi

push_secrets=("APNS_TOKEN apns" "FCM_PRIVATE_KEY_BASE64 fcm")
if [ -n "${APNS_TOKEN:-}${FCM_PRIVATE_KEY_BASE64:-}" ]; then
  in_place=$(hub_platforms)
  for entry in "${push_secrets[@]}"; do
    read -r variable platform <<<"$entry"
    if [ -n "${!variable:-}" ]; then
      [[ ",${in_place}," == *",${platform},"* ]] || fail "the hub holds no ${platform} credential after provisioning; ${variable} is kept in the azd environment."
      azd env set "$variable" "" >/dev/null
      echo "Push credentials: the hub holds the ${platform} credential; ${variable} removed from the azd environment."
    fi
  done
fi
