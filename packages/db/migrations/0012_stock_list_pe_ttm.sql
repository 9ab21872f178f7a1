-- The clist field f115 (市盈率TTM, trailing-twelve-months P/E, a ratio) that AKShare's stock_zh_a_spot_em
-- requests but drops and QuantDB now serves as pe_ttm; nullable: a snapshot stored before this migration has
-- none, and upstream sends "-" where there is no P/E.
ALTER TABLE "stock_list_snapshots" ADD COLUMN "pe_ttm" double precision;