import { describe, expectTypeOf, it } from "vitest";
import type { QuantDbClient } from "@quantdb/sdk";
import { createEmbedded, type EmbeddedClient, type EmbeddedOptions } from "../src/index.ts";

describe("@quantdb/embedded types", () => {
  it("createEmbedded resolves to the remote client's interface plus dataDir and close()", () => {
    expectTypeOf(createEmbedded).parameter(0).toEqualTypeOf<EmbeddedOptions | undefined>();
    expectTypeOf(createEmbedded).returns.resolves.toEqualTypeOf<EmbeddedClient>();
    expectTypeOf<EmbeddedClient>().toExtend<QuantDbClient>();
    expectTypeOf<EmbeddedClient["dataDir"]>().toEqualTypeOf<string>();
    expectTypeOf<EmbeddedClient["close"]>().toEqualTypeOf<() => Promise<void>>();
  });

  it("options are optional and typed", () => {
    expectTypeOf<EmbeddedOptions>().toExtend<{ dataDir?: string; upstreamTimeoutMs?: number }>();
    expectTypeOf<{}>().toExtend<EmbeddedOptions>();
    // @ts-expect-error upstream URLs are strings
    const bad: EmbeddedOptions = { upstream: { eastmoneyHistory: 1 } };
    void bad;
  });
});
