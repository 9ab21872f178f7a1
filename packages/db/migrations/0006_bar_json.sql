-- Each bar also as JSON object text (written by the application from the same values as the columns),
-- so range reads concatenate stored text instead of converting every value to JSON per request.
-- Existing rows are filled from their columns here (PostgreSQL's JSON spacing; the same values).
ALTER TABLE "daily_bars" ADD COLUMN "bar_json" text;
--> statement-breakpoint
UPDATE "daily_bars" SET "bar_json" = json_build_object(
	'date', to_char("date", 'YYYY-MM-DD'), 'open', "open", 'high', "high", 'low', "low", 'close', "close", 'volume', "volume",
	'amount', "amount", 'amplitude', "amplitude", 'pct_change', "pct_change", 'change', "change", 'turnover_rate', "turnover_rate")::text;
--> statement-breakpoint
ALTER TABLE "daily_bars" ALTER COLUMN "bar_json" SET NOT NULL;
--> statement-breakpoint
-- The primary key itself now carries what range reads need, the JSON text (INCLUDE: index-only scans),
-- so every write maintains one index instead of the key plus the separate covering index of 0004.
DROP INDEX IF EXISTS "daily_bars_range_covering";
--> statement-breakpoint
ALTER TABLE "daily_bars" DROP CONSTRAINT "daily_bars_pkey";
--> statement-breakpoint
ALTER TABLE "daily_bars" ADD CONSTRAINT "daily_bars_pkey" PRIMARY KEY ("instrument_id", "adjust", "date") INCLUDE ("bar_json");
