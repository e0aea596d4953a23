#!/usr/bin/env bash
# azd postprovision hook: once Key Vault holds the relay's keys, the azd environment forgets them, so the keys live in
# the vault alone and the next `azd provision` keeps them (preprovision.sh). A one-off RELAY_ALLOW_KEY_REPLACEMENT is
# cleared too.
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
