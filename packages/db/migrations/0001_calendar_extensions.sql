CREATE TABLE "calendar_extensions" (
	"id" serial PRIMARY KEY NOT NULL,
	"calendar" text NOT NULL,
	"known_through" date NOT NULL,
	"sessions" jsonb NOT NULL,
	"source" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "calendar_extensions_calendar_known_through_key" ON "calendar_extensions" USING btree ("calendar","known_through");