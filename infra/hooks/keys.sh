# Shared by preprovision.sh and postprovision.sh: where the relay's keys live, and how to ask Azure what an earlier
# deployment left in place (the keys in Key Vault, the push credentials in the hub, the budget's start date). Only
# control-plane calls, and only whether a secret is there is kept or printed, never its value; the deploying user needs
# no Key Vault data role.

# azd env variable, Key Vault secret name, exact decoded length or "min:N".
RELAY_KEYS=(
  "RELAY_CLAIM_HASH_KEY relay-claim-hash-key min:32"
  "RELAY_TOKEN_ENCRYPTION_KEY relay-token-encryption-key 32"
)

fail() {
  echo "ERROR: $*" >&2
  exit 1
}

# The hooks ask Azure through the Azure CLI, which has its own sign-in: `azd auth login` does not sign in `az`. Stop
# before anything else, saying what to run, when az is missing or not signed in to the subscription azd deploys to.
require_az() {
  command -v az >/dev/null 2>&1 \
    || fail "the Azure CLI (az) is not installed; the relay's key hooks need it to check Key Vault. Install it (https://aka.ms/azcli), run 'az login', then run azd again (docs/deploy.md, Prerequisites)."
  local out
  if ! out=$(az account show --subscription "${AZURE_SUBSCRIPTION_ID:?AZURE_SUBSCRIPTION_ID is not set}" --query id -o tsv 2>&1); then
    fail "az is not signed in to subscription ${AZURE_SUBSCRIPTION_ID} (az account show: ${out}). Run 'az login' (add --tenant <tenant id> when the subscription is in another tenant), then run azd again; 'azd auth login' does not sign in az."
  fi
}

# The resource id of this azd environment's vault (tag azd-env-name), or nothing when there is none yet.
find_vault_id() {
  local ids
  if ! ids=$(az keyvault list --subscription "${AZURE_SUBSCRIPTION_ID:?AZURE_SUBSCRIPTION_ID is not set}" \
      --query "[?tags.\"azd-env-name\"=='${AZURE_ENV_NAME:?AZURE_ENV_NAME is not set}'].id" -o tsv 2>&1); then
    fail "cannot list Key Vaults (az keyvault list: ${ids}). Sign in with 'az login' to the subscription azd deploys to; without that the relay's keys cannot be checked, and a new key would orphan every open mailbox."
  fi
  if [ "$(printf '%s\n' "$ids" | grep -c .)" -gt 1 ]; then
    fail "more than one Key Vault is tagged azd-env-name=${AZURE_ENV_NAME}: ${ids//$'\n'/, }. Remove the stale one or rename the environment."
  fi
  printf '%s' "$ids"
}

# 0: the secret exists; 1: it does not; anything else stops the script.
secret_exists() {
  local vault_id=$1 secret=$2 out
  if out=$(az resource show --ids "${vault_id}/secrets/${secret}" --api-version 2023-07-01 --query id -o tsv 2>&1); then
    return 0
  fi
  case "$out" in
    *NotFound*|*"not found"*|*"could not be found"*) return 1 ;;
  esac
  fail "cannot tell whether Key Vault secret ${secret} exists: ${out}"
}

# Decoded length check: base64 of exactly N bytes, or of at least N bytes ("min:N").
valid_key() {
  local value=$1 want=$2 bytes
  bytes=$(printf '%s' "$value" | base64 -d 2>/dev/null | wc -c) || return 1
  [ -n "$value" ] || return 1
  printf '%s' "$value" | base64 -d >/dev/null 2>&1 || return 1
  case "$want" in
    min:*) [ "$bytes" -ge "${want#min:}" ] ;;
    *) [ "$bytes" -eq "$want" ] ;;
  esac
}

# The one resource of this type tagged azd-env-name=$AZURE_ENV_NAME (a resource group too), or nothing.
find_tagged() {
  local type=$1 query=$2 found
  if [ "$type" = resourceGroup ]; then
    found=$(az group list --subscription "$AZURE_SUBSCRIPTION_ID" \
      --query "[?tags.\"azd-env-name\"=='${AZURE_ENV_NAME}'].${query}" -o tsv 2>&1) \
      || fail "cannot list resource groups (az group list: ${found})."
  else
    found=$(az resource list --subscription "$AZURE_SUBSCRIPTION_ID" --resource-type "$type" \
      --query "[?tags.\"azd-env-name\"=='${AZURE_ENV_NAME}'].${query}" -o tsv 2>&1) \
      || fail "cannot list ${type} (az resource list: ${found})."
  fi
  if [ "$(printf '%s\n' "$found" | grep -c .)" -gt 1 ]; then
    fail "more than one ${type} is tagged azd-env-name=${AZURE_ENV_NAME}: ${found//$'\n'/, }. Remove the stale one or rename the environment."
  fi
  printf '%s' "$found"
}

# The push platforms whose credentials the relay's hub holds ("", apns, fcm or apns,fcm), asked of the hub itself, so
# credentials set in the portal count too. az prints only a non-secret field of each credential (the APNs endpoint, the
# FCM project id), never a key.
hub_platforms() {
  local namespace_id platforms="" platform field value
  namespace_id=$(find_tagged Microsoft.NotificationHubs/namespaces id) || return 1
  [ -n "$namespace_id" ] || return 0
  for platform in "apns apnsCredential.properties.endpoint" "fcm fcmV1Credential.properties.projectId"; do
    read -r platform field <<<"$platform"
    if ! value=$(az rest --method post --url "${namespace_id}/notificationHubs/relay/pnsCredentials?api-version=2023-10-01-preview" \
        --query "properties.${field}" -o tsv 2>&1); then
      case "$value" in
        *NotFound*|*"not found"*) return 0 ;; # no hub yet
      esac
      fail "cannot tell which push credentials the hub holds: ${value}"
    fi
    [ -n "$value" ] && platforms=${platforms:+$platforms,}$platform
  done
  printf '%s' "$platforms"
}

# The start date of this environment's budget (relay-monthly), or nothing when there is none yet.
budget_start_date() {
  local group out
  group=$(find_tagged resourceGroup name) || return 1
  [ -n "$group" ] || return 0
  if out=$(az rest --method get \
      --url "/subscriptions/${AZURE_SUBSCRIPTION_ID}/resourceGroups/${group}/providers/Microsoft.Consumption/budgets/relay-monthly?api-version=2023-11-01" \
      --query properties.timePeriod.startDate -o tsv 2>&1); then
    printf '%s' "${out%%T*}" # 2025-03-01T00:00:00Z: the date is what the template takes
    return 0
  fi
  case "$out" in
    *NotFound*|*"not found"*) return 0 ;;
  esac
  fail "cannot read the budget relay-monthly of ${group}: ${out}"
}
