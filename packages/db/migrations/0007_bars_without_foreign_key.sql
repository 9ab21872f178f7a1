-- daily_bars.instrument_id loses its foreign key to instruments(id): PostgreSQL checks a foreign key
-- once per inserted row (a locking look-up of the instrument), which measured half the time of a
-- 5,072-bar insert. The same guarantees are kept once per write and per statement instead:
--  * every writer of bars (@quantdb/db's upsertBars) first locks the instrument row FOR KEY SHARE,
--    the lock the foreign key took per row, and fails if the instrument does not exist; a concurrent
--    delete of the instrument therefore waits for the write to commit, or the write fails;
--  * deleting instruments deletes their bars (ON DELETE CASCADE before), and truncating instruments
--    (TRUNCATE ... CASCADE, which no longer reaches daily_bars) deletes every bar, by the triggers below.
--    The truncate trigger deletes rather than truncates: TRUNCATE is refused on a table the same
--    statement is using, as when QuantDB truncates daily_bars and instruments together (then the
--    table is already empty and the delete costs nothing).
ALTER TABLE "daily_bars" DROP CONSTRAINT "daily_bars_instrument_id_instruments_id_fk";
--> statement-breakpoint
CREATE FUNCTION "delete_bars_of_deleted_instruments"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM daily_bars WHERE instrument_id IN (SELECT id FROM gone);
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "instruments_delete_bars" AFTER DELETE ON "instruments" REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION delete_bars_of_deleted_instruments();
--> statement-breakpoint
CREATE FUNCTION "delete_bars_of_truncated_instruments"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM daily_bars;
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "instruments_truncate_bars" AFTER TRUNCATE ON "instruments" FOR EACH STATEMENT EXECUTE FUNCTION delete_bars_of_truncated_instruments();
