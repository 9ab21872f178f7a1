-- Custom SQL migration: every data-version bump (migration 0004) also sends NOTIFY quantdb_data_versions,
-- delivered after the writing transaction commits to every process listening on the database (this API,
-- other replicas, the CLI's `serve`). The payload is the comma-separated instrument ids whose version
-- changed, or `*` for all of them (truncate, or a list longer than NOTIFY's payload limit allows).
-- Listeners keep data versions in memory between notifications instead of reading them per request.
CREATE OR REPLACE FUNCTION "notify_data_versions"(ids text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF ids IS NULL THEN
		RETURN;
	END IF;
	PERFORM pg_notify('quantdb_data_versions', CASE WHEN length(ids) > 7000 THEN '*' ELSE ids END);
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "bump_data_versions"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	ids text;
BEGIN
	INSERT INTO data_versions (instrument_id, version)
		SELECT s.instrument_id, nextval('data_version_seq') FROM (SELECT DISTINCT instrument_id FROM changed) s
		ON CONFLICT (instrument_id) DO UPDATE SET version = excluded.version;
	SELECT string_agg(DISTINCT instrument_id::text, ',') INTO ids FROM changed;
	PERFORM notify_data_versions(ids);
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "bump_instrument_versions"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	ids text;
BEGIN
	INSERT INTO data_versions (instrument_id, version)
		SELECT s.id, nextval('data_version_seq') FROM (SELECT DISTINCT id FROM changed) s
		ON CONFLICT (instrument_id) DO UPDATE SET version = excluded.version;
	SELECT string_agg(DISTINCT id::text, ',') INTO ids FROM changed;
	PERFORM notify_data_versions(ids);
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "bump_all_data_versions"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE data_versions SET version = nextval('data_version_seq');
	PERFORM notify_data_versions('*');
	RETURN NULL;
END $$;
