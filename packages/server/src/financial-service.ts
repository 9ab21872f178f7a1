/**
 * Composition of the financial-summary service (part of the composition root, services.ts).
 */
import type { Clock } from "@quantdb/core/clock";
import {
  EastmoneyFinancialClient,
  FinancialService,
  type EastmoneyDatacenterOptions,
  type FinancialSource,
} from "@quantdb/core/fundamentals";
import { createFinancialStore, type Database } from "@quantdb/db";

/** Upstream of the financial summary; live Eastmoney datacenter when omitted. */
export interface FinancialUpstreams {
  /** Options of the Eastmoney datacenter client (`QUANTDB_EASTMONEY_DATACENTER_URL`, timeout). */
  datacenter?: EastmoneyDatacenterOptions;
  /** A ready source instead (unit tests); wins over `datacenter`. */
  financialUpstream?: FinancialSource;
}

/** Build the financial-summary service over a database. */
export function createFinancialService(
  db: Database,
  clock: Clock,
  upstreams: FinancialUpstreams = {},
): FinancialService {
  const upstream = upstreams.financialUpstream ?? new EastmoneyFinancialClient(upstreams.datacenter ?? {});
  return new FinancialService({ store: createFinancialStore(db), upstream, clock });
}
