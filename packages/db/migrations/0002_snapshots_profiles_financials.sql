CREATE TABLE "financial_fetches" (
	"instrument_id" integer PRIMARY KEY NOT NULL,
	"fetched_at" timestamp with time zone NOT NULL,
	"next_due" date NOT NULL
);
--> statement-breakpoint
CREATE TABLE "financial_reports" (
	"instrument_id" integer NOT NULL,
	"report_date" date NOT NULL,
	"report_type" text NOT NULL,
	"data" jsonb NOT NULL,
	"raw" jsonb NOT NULL,
	"fetched_at" timestamp with time zone NOT NULL,
	CONSTRAINT "financial_reports_pkey" PRIMARY KEY("instrument_id","report_date")
);
--> statement-breakpoint
CREATE TABLE "instrument_profiles" (
	"instrument_id" integer PRIMARY KEY NOT NULL,
	"industry" text,
	"listing_date" date,
	"total_shares" double precision,
	"float_shares" double precision,
	"total_market_cap" double precision,
	"float_market_cap" double precision,
	"raw" jsonb NOT NULL,
	"fetched_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stock_list_snapshots" (
	"snapshot_date" date NOT NULL,
	"market" text NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"price" double precision,
	"pct_change" double precision,
	"change" double precision,
	"volume" bigint,
	"amount" double precision,
	"turnover_rate" double precision,
	"pe_ratio" double precision,
	"pb_ratio" double precision,
	"market_cap" double precision,
	"float_market_cap" double precision,
	"open" double precision,
	"high" double precision,
	"low" double precision,
	"prev_close" double precision,
	"fetched_at" timestamp with time zone NOT NULL,
	CONSTRAINT "stock_list_snapshots_pkey" PRIMARY KEY("snapshot_date","market","code")
);
--> statement-breakpoint
ALTER TABLE "financial_fetches" ADD CONSTRAINT "financial_fetches_instrument_id_instruments_id_fk" FOREIGN KEY ("instrument_id") REFERENCES "public"."instruments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "financial_reports" ADD CONSTRAINT "financial_reports_instrument_id_instruments_id_fk" FOREIGN KEY ("instrument_id") REFERENCES "public"."instruments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instrument_profiles" ADD CONSTRAINT "instrument_profiles_instrument_id_instruments_id_fk" FOREIGN KEY ("instrument_id") REFERENCES "public"."instruments"("id") ON DELETE cascade ON UPDATE no action;