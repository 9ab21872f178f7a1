-- Custom SQL migration (drizzle-kit cannot express INCLUDE indexes or triggers); PostgreSQL 15+.

-- Range reads of daily bars (instrument, adjust, date between) as index-only scans: bars are stored in
-- ingest order, so without this every bar of a range is a random heap fetch.
CREATE INDEX "daily_bars_range_covering" ON "daily_bars" USING btree ("instrument_id", "adjust", "date") INCLUDE ("open", "high", "low", "close", "volume", "amount", "amplitude", "pct_change", "change", "turnover_rate");
--> statement-breakpoint
-- Per-instrument data version: bumped (from one global sequence, never reset) by every statement that
-- writes an instrument's row, bars or coverage spans, whoever runs it (this API, another replica, the
-- CLI). Response caches key on it, so a write is seen by the next read in every process.
CREATE SEQUENCE "data_version_seq";
--> statement-breakpoint
CREATE TABLE "data_versions" (
	"instrument_id" integer PRIMARY KEY NOT NULL,
	"version" bigint NOT NULL
);
--> statement-breakpoint
CREATE FUNCTION "bump_data_versions"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO data_versions (instrument_id, version)
		SELECT s.instrument_id, nextval('data_version_seq') FROM (SELECT DISTINCT instrument_id FROM changed) s
		ON CONFLICT (instrument_id) DO UPDATE SET version = excluded.version;
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION "bump_instrument_versions"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO data_versions (instrument_id, version)
		SELECT s.id, nextval('data_version_seq') FROM (SELECT DISTINCT id FROM changed) s
		ON CONFLICT (instrument_id) DO UPDATE SET version = excluded.version;
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION "bump_all_data_versions"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE data_versions SET version = nextval('data_version_seq');
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "daily_bars_version_ins" AFTER INSERT ON "daily_bars" REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION bump_data_versions();
--> statement-breakpoint
CREATE TRIGGER "daily_bars_version_upd" AFTER UPDATE ON "daily_bars" REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION bump_data_versions();
--> statement-breakpoint
CREATE TRIGGER "daily_bars_version_del" AFTER DELETE ON "daily_bars" REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION bump_data_versions();
--> statement-breakpoint
CREATE TRIGGER "daily_bars_version_trunc" AFTER TRUNCATE ON "daily_bars" FOR EACH STATEMENT EXECUTE FUNCTION bump_all_data_versions();
--> statement-breakpoint
CREATE TRIGGER "coverage_spans_version_ins" AFTER INSERT ON "coverage_spans" REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION bump_data_versions();
--> statement-breakpoint
CREATE TRIGGER "coverage_spans_version_upd" AFTER UPDATE ON "coverage_spans" REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION bump_data_versions();
--> statement-breakpoint
CREATE TRIGGER "coverage_spans_version_del" AFTER DELETE ON "coverage_spans" REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION bump_data_versions();
--> statement-breakpoint
CREATE TRIGGER "coverage_spans_version_trunc" AFTER TRUNCATE ON "coverage_spans" FOR EACH STATEMENT EXECUTE FUNCTION bump_all_data_versions();
--> statement-breakpoint
CREATE TRIGGER "instruments_version_ins" AFTER INSERT ON "instruments" REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION bump_instrument_versions();
--> statement-breakpoint
CREATE TRIGGER "instruments_version_upd" AFTER UPDATE ON "instruments" REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION bump_instrument_versions();
--> statement-breakpoint
CREATE TRIGGER "instruments_version_del" AFTER DELETE ON "instruments" REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION bump_instrument_versions();
