-- The app's database privileges, run by scripts/deploy (through infra/migrate.sh) after the migrations, as the
-- migration identity (the owner of every table), in the billing database. Idempotent: run on every deploy.
-- Input: the setting billing.app_login = the app's login role (in Azure, its managed identity's role, created by
-- pgaadauth_create_principal_with_oid in the postgres database first).
--
-- billing_app is a NOLOGIN group role holding exactly what the app needs: DML on the tables, sequences, TEMP for
-- the billing cycle's temporary table, and nothing else: no CREATE on the schema, no ownership, so no DDL.
-- ALTER DEFAULT PRIVILEGES makes every table a later migration creates usable at once, before this file runs again.
-- Append-only tables (the audit trail) keep only SELECT and INSERT, however they were granted before.
DO $$
DECLARE
  app_login text := current_setting('billing.app_login');
  append_only text[] := ARRAY['AuditLog'];
  t text;
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'billing_app') THEN
    BEGIN
      CREATE ROLE billing_app NOLOGIN;
    EXCEPTION WHEN duplicate_object THEN
      NULL; -- created concurrently by another database's deploy on the same server
    END;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = app_login) THEN
    RAISE EXCEPTION 'The app''s login role % does not exist: create it first', app_login;
  END IF;
  EXECUTE format('GRANT billing_app TO %I', app_login);
  EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO billing_app', current_database());

  REVOKE CREATE ON SCHEMA public FROM PUBLIC;
  GRANT USAGE ON SCHEMA public TO billing_app;
  GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO billing_app;
  GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO billing_app;
  ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO billing_app;
  ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO billing_app;

  -- The migration history is the migrator's alone.
  IF to_regclass('public."__EFMigrationsHistory"') IS NOT NULL THEN
    REVOKE INSERT, UPDATE, DELETE ON public."__EFMigrationsHistory" FROM billing_app;
  END IF;
  FOREACH t IN ARRAY append_only LOOP
    IF to_regclass(format('public.%I', t)) IS NOT NULL THEN
      EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON public.%I FROM billing_app', t);
    END IF;
  END LOOP;
END
$$;
