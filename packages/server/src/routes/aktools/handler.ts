import type { AktoolsFrame, AktoolsParams } from "@quantdb/core/history";
import type { Context } from "hono";
import type { AppEnv } from "../../context.ts";

/** Serves one AKShare function: the query parameters as received → the frame AKShare would return. */
export type AktoolsHandler = (c: Context<AppEnv>, params: AktoolsParams) => Promise<AktoolsFrame> | AktoolsFrame;
