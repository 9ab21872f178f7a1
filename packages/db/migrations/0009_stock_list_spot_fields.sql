-- The clist fields AKShare's stock_zh_a_spot_em reads and QuantDB did not ask for (f7 amplitude, f10 volume
-- ratio, f22 price speed, f11 5-minute change, f24 60-day change, f25 year-to-date change); nullable: a
-- snapshot stored before this migration has none of them, and upstream sends "-" for suspended stocks.
ALTER TABLE "stock_list_snapshots" ADD COLUMN "amplitude" double precision;--> statement-breakpoint
ALTER TABLE "stock_list_snapshots" ADD COLUMN "volume_ratio" double precision;--> statement-breakpoint
ALTER TABLE "stock_list_snapshots" ADD COLUMN "change_speed" double precision;--> statement-breakpoint
ALTER TABLE "stock_list_snapshots" ADD COLUMN "change_5min" double precision;--> statement-breakpoint
ALTER TABLE "stock_list_snapshots" ADD COLUMN "change_60d" double precision;--> statement-breakpoint
ALTER TABLE "stock_list_snapshots" ADD COLUMN "change_ytd" double precision;