#!/usr/bin/env bash
# Runs inside the VNet, in the container group of the deployment script that infra/migrate.bicep declares, signed in
# as the migration identity (PostgreSQL's Entra administrator). Steps, each idempotent:
#   1. download this release's EF Core migration bundle from the release container;
#   2. apply the pending migrations (expand/contract: docs/decisions/0010-expand-contract-migrations.md);
#   3. create the app's PostgreSQL role for its managed identity (postgres database), if missing;
#   4. grant it the app's privileges (infra/sql/app-role.sql) in the billing database.
# Inputs (environment): BUNDLE_URL PGHOST PGDATABASE MIGRATOR_NAME APP_ROLE APP_OBJECT_ID APP_ROLE_SQL
set -euo pipefail

for name in BUNDLE_URL PGHOST PGDATABASE MIGRATOR_NAME APP_ROLE APP_OBJECT_ID APP_ROLE_SQL; do
  [ -n "${!name:-}" ] || { echo "migrate.sh: $name is not set" >&2; exit 2; }
done
# Names go into SQL text below; refuse anything but the characters Azure allows in them.
[[ "$APP_ROLE" =~ ^[a-z0-9-]+$ ]] || { echo "migrate.sh: unexpected app role name '$APP_ROLE'" >&2; exit 2; }
[[ "$APP_OBJECT_ID" =~ ^[0-9a-f-]{36}$ ]] || { echo "migrate.sh: unexpected object id '$APP_OBJECT_ID'" >&2; exit 2; }

az config set extension.use_dynamic_install=yes_without_prompt --only-show-errors >/dev/null

work=$(mktemp -d)
echo "Downloading the migration bundle $BUNDLE_URL"
az storage blob download --auth-mode login --blob-url "$BUNDLE_URL" --file "$work/efbundle" --only-show-errors >/dev/null
chmod +x "$work/efbundle"

token() { az account get-access-token --resource-type oss-rdbms --query accessToken -o tsv; }
server="${PGHOST%%.*}"

echo "Applying migrations to $PGDATABASE on $PGHOST as $MIGRATOR_NAME"
# The bundle needs no culture data; invariant mode spares the container an ICU install.
DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 "$work/efbundle" \
  --connection "Host=$PGHOST;Port=5432;Database=$PGDATABASE;Username=$MIGRATOR_NAME;Password=$(token);SSL Mode=VerifyFull;Timeout=30;Command Timeout=0"

echo "Ensuring the app's role $APP_ROLE exists"
az postgres flexible-server execute --name "$server" --admin-user "$MIGRATOR_NAME" --admin-password "$(token)" \
  --database-name postgres --only-show-errors --querytext \
  "SELECT * FROM pgaadauth_create_principal_with_oid('$APP_ROLE', '$APP_OBJECT_ID', 'service', false, false) WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$APP_ROLE');"

echo "Granting the app's privileges"
az postgres flexible-server execute --name "$server" --admin-user "$MIGRATOR_NAME" --admin-password "$(token)" \
  --database-name "$PGDATABASE" --only-show-errors --querytext \
  "SELECT set_config('billing.app_login', '$APP_ROLE', false); $APP_ROLE_SQL"

echo '{"migrated": true}' > "${AZ_SCRIPTS_OUTPUT_PATH:-/dev/null}"
