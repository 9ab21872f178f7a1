CREATE TABLE "instruments" (
	"id" serial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"market" text NOT NULL,
	"code" text NOT NULL,
	"secid" text NOT NULL,
	"currency" text NOT NULL,
	"name" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "daily_bars" (
	"instrument_id" integer NOT NULL,
	"adjust" text NOT NULL,
	"date" date NOT NULL,
	"open" double precision NOT NULL,
	"high" double precision NOT NULL,
	"low" double precision NOT NULL,
	"close" double precision NOT NULL,
	"volume" bigint NOT NULL,
	"amount" double precision,
	"amplitude" double precision,
	"pct_change" double precision,
	"change" double precision,
	"turnover_rate" double precision,
	"fetched_at" timestamp with time zone NOT NULL,
	CONSTRAINT "daily_bars_pkey" PRIMARY KEY("instrument_id","adjust","date")
);
--> statement-breakpoint
CREATE TABLE "coverage_spans" (
	"id" serial PRIMARY KEY NOT NULL,
	"instrument_id" integer NOT NULL,
	"adjust" text NOT NULL,
	"start_date" date NOT NULL,
	"end_date" date NOT NULL,
	"bar_count" integer NOT NULL,
	"fetched_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "daily_bars" ADD CONSTRAINT "daily_bars_instrument_id_instruments_id_fk" FOREIGN KEY ("instrument_id") REFERENCES "public"."instruments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "coverage_spans" ADD CONSTRAINT "coverage_spans_instrument_id_instruments_id_fk" FOREIGN KEY ("instrument_id") REFERENCES "public"."instruments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "instruments_kind_market_code_key" ON "instruments" USING btree ("kind","market","code");--> statement-breakpoint
CREATE INDEX "coverage_spans_lookup_idx" ON "coverage_spans" USING btree ("instrument_id","adjust","start_date","end_date");