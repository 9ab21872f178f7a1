/**
 * Stock lists and company information (`@quantdb/core/lists`): the Eastmoney `clist/get` and
 * `stock/get` adapters, query validation, and the services that cache them (one stock-list
 * snapshot per market and exchange-local day; company profiles for a day).
 */
export * from "./types.ts";
export * from "./clist.ts";
export * from "./stock-get.ts";
export * from "./params.ts";
export * from "./service.ts";
export * from "./search.ts";
