import { describe, expect, it } from "vitest";
import { translate } from "../src/lib/i18n.tsx";

describe("translate", () => {
  it("returns the text of each language with placeholders filled", () => {
    expect(translate("en", "nav.stock")).toBe("Stock");
    expect(translate("zh", "nav.stock")).toBe("个股");
    expect(translate("en", "bars.page", { page: 2, pages: 5 })).toBe("Page 2 of 5");
    expect(translate("zh", "bars.page", { page: 2, pages: 5 })).toBe("第 2 / 5 页");
    expect(translate("en", "search.loadList", {})).toBe("load {market}"); // a missing value stays visible
    expect(translate("zh", "nav.screen")).toBe("选股");
    expect(translate("en", "screen.missing", { n: 296 })).toBe("Not screened: 296");
    expect(translate("en", "screen.fields")).toContain("ma{N}, ema{N}"); // field names, not placeholders
  });
});
