CREATE TABLE "pending_empty_spans" (
	"id" serial PRIMARY KEY NOT NULL,
	"instrument_id" integer NOT NULL,
	"adjust" text NOT NULL,
	"start_date" date NOT NULL,
	"end_date" date NOT NULL,
	"observed_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "series_checks" (
	"instrument_id" integer NOT NULL,
	"adjust" text NOT NULL,
	"checked_on" date NOT NULL,
	CONSTRAINT "series_checks_instrument_id_adjust_pk" PRIMARY KEY("instrument_id","adjust")
);
--> statement-breakpoint
ALTER TABLE "calendar_extensions" ADD COLUMN "starts_after" date;--> statement-breakpoint
ALTER TABLE "pending_empty_spans" ADD CONSTRAINT "pending_empty_spans_instrument_id_instruments_id_fk" FOREIGN KEY ("instrument_id") REFERENCES "public"."instruments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "series_checks" ADD CONSTRAINT "series_checks_instrument_id_instruments_id_fk" FOREIGN KEY ("instrument_id") REFERENCES "public"."instruments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "pending_empty_spans_lookup_idx" ON "pending_empty_spans" USING btree ("instrument_id","adjust","start_date");