CREATE TABLE "stream_interest" (
	"replica" text NOT NULL,
	"market" text NOT NULL,
	"symbols" text[] NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "stream_interest_replica_market_pk" PRIMARY KEY("replica","market")
);
