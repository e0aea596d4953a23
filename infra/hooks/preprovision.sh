#!/usr/bin/env bash
# azd preprovision hook: the claim-hash key and the token-encryption key must never change by accident. A new
# claim-hash key orphans every open mailbox; a new token key makes every stored push token unreadable. azd keeps
# generated values only in one machine's .azure/<env>, so a fresh environment of the same name (another machine, CI)
# would otherwise deploy new keys over the old ones. For each key:
#   - the vault already holds the secret: keep it (the parameter stays empty, Bicep leaves the secret alone);
#     a value in the azd environment is refused, unless RELAY_ALLOW_KEY_REPLACEMENT=true says it is a rotation;
#   - the vault does not hold it (first deployment, or a key added by an upgrade): use the environment's value if
#     set (bring your own), else generate one; either way check it is base64 of the right length.
set -euo pipefail
# shellcheck source=infra/hooks/keys.sh
. "$(dirname "$0")/keys.sh"

require_az

vault_id=$(find_vault_id)
if [ -z "$vault_id" ]; then
  echo "Relay keys: no Key Vault for environment ${AZURE_ENV_NAME} yet (first deployment)."
fi

for entry in "${RELAY_KEYS[@]}"; do
  read -r variable secret length <<<"$entry"
  value=${!variable:-}
  if [ -n "$vault_id" ] && secret_exists "$vault_id" "$secret"; then
    if [ -z "$value" ]; then
      echo "Relay keys: ${secret} is in Key Vault: kept."
      continue
    fi
    if [ "${RELAY_ALLOW_KEY_REPLACEMENT:-}" != "true" ]; then
      fail "${variable} is set in the azd environment but Key Vault already holds ${secret}. Deploying it would replace the key in use$([ "$secret" = relay-claim-hash-key ] && echo ': every open mailbox would become unreachable' || echo ': stored push tokens would become unreadable'). To keep the vault's key: azd env set ${variable} \"\". To rotate on purpose: azd env set RELAY_ALLOW_KEY_REPLACEMENT true (docs/deploy.md, Rotation)."
    fi
    valid_key "$value" "$length" || fail "${variable} is not base64 of ${length/min:/at least } bytes."
    echo "Relay keys: ${secret} WILL BE REPLACED (RELAY_ALLOW_KEY_REPLACEMENT=true)."
    continue
  fi

  if [ -n "$value" ]; then
    valid_key "$value" "$length" || fail "${variable} is not base64 of ${length/min:/at least } bytes."
    echo "Relay keys: ${secret} from the azd environment (${variable})."
  else
    command -v openssl >/dev/null 2>&1 \
      || fail "openssl is needed to generate ${variable}. Install it, or bring your own key: azd env set ${variable} \"\$(head -c 32 /dev/urandom | base64)\"."
    value=$(openssl rand -base64 32)
    azd env set "$variable" "$value" >/dev/null
    echo "Relay keys: ${secret} generated (32 random bytes)."
  fi
done

# What the hub and the budget already hold, for deployments that do not pass it again (a fresh environment of the same
# name included): the platforms whose credentials the hub keeps (NotificationHubs__Platforms names them), and the
# budget's start date, which Azure refuses to change.
in_place=$(hub_platforms)
if [ "${PUSH_PLATFORMS_IN_PLACE:-}" != "$in_place" ]; then
  azd env set PUSH_PLATFORMS_IN_PLACE "$in_place" >/dev/null
fi
echo "Push credentials: the hub holds ${in_place:-none}$([ -n "${APNS_TOKEN:-}${FCM_PRIVATE_KEY_BASE64:-}" ] && echo '; the ones in the azd environment are applied')."

budget_start=$(budget_start_date)
if [ "${BUDGET_START_DATE:-}" != "$budget_start" ]; then
  azd env set BUDGET_START_DATE "$budget_start" >/dev/null
fi
