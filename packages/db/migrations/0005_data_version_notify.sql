-- Custom SQL migration: every data-version bump (migration 0004) also sends NOTIFY quantdb_data_versions,
-- delivered after the writing transaction commits to every process listening on the database (this API,
-- other replicas, the CLI's `serve`). The payload is the comma-separated instrument ids whose version
-- changed, or `*` for all of them (truncate, or a list longer than NOTIFY's payload limit allows).
-- Listeners keep data versions in memory between notifications instead of reading them per request.
-- Both row-level bump triggers now share one function (they differ only in where the ids come from).
CREATE FUNCTION "bump_versions_of"(ids integer[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	payload text;
BEGIN
	IF cardinality(ids) = 0 THEN
		RETURN;
	END IF;
	INSERT INTO data_versions (instrument_id, version)
		SELECT id, nextval('data_version_seq') FROM unnest(ids) AS id
		ON CONFLICT (instrument_id) DO UPDATE SET version = excluded.version;
	payload := array_to_string(ids, ',');
	PERFORM pg_notify('quantdb_data_versions', CASE WHEN length(payload) > 7000 THEN '*' ELSE payload END);
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "bump_data_versions"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM bump_versions_of(array(SELECT DISTINCT instrument_id FROM changed));
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "bump_instrument_versions"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM bump_versions_of(array(SELECT DISTINCT id FROM changed));
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "bump_all_data_versions"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE data_versions SET version = nextval('data_version_seq');
	PERFORM pg_notify('quantdb_data_versions', '*');
	RETURN NULL;
END $$;
