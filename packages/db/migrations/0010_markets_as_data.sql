-- Markets as data (docs/adr/0006-markets-as-data.md).
-- Instruments are keyed on QuantDB's own instrument key `<kind>:<exchange>:<code>` (e.g. `stock:SH:600519`,
-- `index:HK:HSI`; `instrumentKey` in @quantdb/core/markets), made here from the (kind, market, code) the rows
-- were unique on, so no two rows can collide. Eastmoney's secid becomes the Eastmoney adapter's mapping and is
-- no longer stored.
ALTER TABLE "instruments" ADD COLUMN "key" text;
--> statement-breakpoint
UPDATE "instruments" SET "key" = "kind" || ':' || "market" || ':' || "code";
--> statement-breakpoint
ALTER TABLE "instruments" ALTER COLUMN "key" SET NOT NULL;
--> statement-breakpoint
DROP INDEX "instruments_kind_market_code_key";
--> statement-breakpoint
CREATE UNIQUE INDEX "instruments_key_key" ON "instruments" USING btree ("key");
--> statement-breakpoint
ALTER TABLE "instruments" DROP COLUMN "secid";
--> statement-breakpoint
-- Days learnt from a benchmark index were recorded as `observed:<secid>`; the same index's key names them now.
-- Only the source text changes (it is for logs); the sessions themselves are kept as they are.
UPDATE "calendar_extensions" SET "source" = 'observed:index:SH:000001' WHERE "source" = 'observed:1.000001';
--> statement-breakpoint
UPDATE "calendar_extensions" SET "source" = 'observed:index:HK:HSI' WHERE "source" = 'observed:100.HSI';
--> statement-breakpoint
-- Volume in shares as double precision, so fractional volumes fit; whole share counts below 2^53 stay exact
-- (bar_json already holds the same integers as text).
ALTER TABLE "daily_bars" ALTER COLUMN "volume" SET DATA TYPE double precision;
