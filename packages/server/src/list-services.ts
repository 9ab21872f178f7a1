/**
 * Composition of the stock-list, company-information and asset-listing services (part of the
 * composition root, services.ts).
 */
import type { ConstituentSource } from "@quantdb/core/screen";
import type { Clock } from "@quantdb/core/clock";
import {
  AssetCatalog,
  CompanyInfoService,
  EastmoneyInfoClient,
  EastmoneyListClient,
  InstrumentSearch,
  StockListService,
  type CompanyInfoSource,
  type StockListSource,
} from "@quantdb/core/lists";
import {
  createAssetStore,
  createCompanyInfoStore,
  createInstrumentSearchStore,
  createStockListStore,
  type Database,
} from "@quantdb/db";

/** What the list routes use. */
export interface ListServices {
  /** `GET /api/v1/stocks/list`: one snapshot per market and exchange-local day. */
  stockList: StockListService;
  /** `GET /api/v1/assets/symbol/{symbol}`: company profiles, cached for a day. */
  companyInfo: CompanyInfoService;
  /** `GET /api/v1/assets`: instruments the database holds. */
  assets: AssetCatalog;
  /** `GET /api/v1/assets/search`: code/name search over stored stock lists and held instruments. */
  search: InstrumentSearch;
}

/** Upstream clients of the list services; live Eastmoney when omitted. */
export interface ListUpstreams {
  /** Eastmoney clist (`QUANTDB_EASTMONEY_LIST_URL`). @default live push2, 500 ms between pages */
  listUpstream?: StockListSource & ConstituentSource;
  /** Eastmoney stock/get (the push2 host of `QUANTDB_EASTMONEY_QUOTE_URL`). @default live push2 */
  infoUpstream?: CompanyInfoSource;
}

/** Build the list services over a database. */
export function createListServices(db: Database, clock: Clock, upstreams: ListUpstreams = {}): ListServices {
  return {
    stockList: new StockListService({
      store: createStockListStore(db),
      source: upstreams.listUpstream ?? new EastmoneyListClient({ pageDelayMs: 500 }),
      clock,
    }),
    companyInfo: new CompanyInfoService({
      store: createCompanyInfoStore(db),
      source: upstreams.infoUpstream ?? new EastmoneyInfoClient(),
      clock,
    }),
    assets: new AssetCatalog(createAssetStore(db)),
    search: new InstrumentSearch(createInstrumentSearchStore(db)),
  };
}
