import { describe, expect, it } from "vitest";
import detection from "../api/detection.json";
import { chartLink, DEFAULT_TEMPLATE, parseTemplate, PREVIEW_ALERT, renderTemplate, templateProblem } from "./template";

describe("templateProblem (same rules as messages.validate_template)", () => {
  it("accepts the default and every known placeholder", () => {
    expect(templateProblem(DEFAULT_TEMPLATE)).toBeNull();
    expect(templateProblem(detection.placeholders.map((p) => `{${p}}`).join(" "))).toBeNull();
  });
  it("names an unknown placeholder", () => {
    expect(templateProblem("{symbol} {foo}")).toEqual({ kind: "unknown", name: "foo" });
    expect(templateProblem("{symbol.__class__}")).toEqual({ kind: "unknown", name: "symbol.__class__" });
  });
  it("rejects format specs and conversions", () => {
    expect(templateProblem("{price:.2f}")).toEqual({ kind: "spec", name: "price" });
    expect(templateProblem("{price!r}")).toEqual({ kind: "spec", name: "price" });
  });
  it("rejects unbalanced braces but allows doubled ones", () => {
    expect(templateProblem("{symbol")?.kind).toBe("malformed");
    expect(templateProblem("symbol}")?.kind).toBe("malformed");
    expect(templateProblem("{{literal}} {symbol}")).toBeNull();
  });
});

describe("renderTemplate", () => {
  it("renders the default like the server does", () => {
    expect(renderTemplate(DEFAULT_TEMPLATE, PREVIEW_ALERT, "UTC")).toBe(
      "BN-F SOLUSDT +4.27% up · wick 38.5% · vol $1.83M · 187.42 · 2026-01-15 12:34:56 UTC",
    );
  });
  it("uses the user's time zone and keeps literal braces", () => {
    expect(renderTemplate("{{{time}}}", PREVIEW_ALERT, "Europe/Berlin")).toBe("{2026-01-15 13:34:56 GMT+1}");
  });
  it("renders a down move with a minus and names the strategy", () => {
    const down = { ...PREVIEW_ALERT, direction: "down" as const, strategy: "Dumps", series_count: 3 };
    expect(renderTemplate("{delta_formatted} {strategy} x{series_count} {timestamp}", down)).toBe("-4.27% Dumps x3 2026-01-15T12:34:56Z");
  });
  it("returns a malformed template as it is", () => {
    expect(renderTemplate("{symbol", PREVIEW_ALERT)).toBe("{symbol");
  });
  it("splits text and fields", () => {
    expect(parseTemplate("a {symbol} b")).toEqual([{ text: "a " }, { field: "symbol" }, { text: " b" }]);
  });
});

it("links pairs to their exchange (messages.chart_link)", () => {
  expect(chartLink("binance", "spot", "ETHUSDT", "ETH", "USDT")).toBe("https://www.binance.com/en/trade/ETH_USDT?type=spot");
  expect(chartLink("okx", "futures", "BTC-USDT-SWAP", "BTC", "USDT")).toBe("https://www.okx.com/trade-swap/btc-usdt-swap");
  expect(chartLink("hyperliquid", "futures", "SOL", "SOL", "USDC")).toBe("https://app.hyperliquid.xyz/trade/SOL");
  expect(chartLink("unknown", "spot", "X", "X", "Y")).toBe("");
});
