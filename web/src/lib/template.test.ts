import { describe, expect, it } from "vitest";
import type { AlertPublic } from "../api/contract";
import detection from "../api/detection.json";
import golden from "./template.golden.json";
import {
  chartLink,
  DEFAULT_TEMPLATE,
  formatPriceText,
  parseMessage,
  parseTemplate,
  PREVIEW_ALERT,
  pyFixed,
  renderTelegramHtml,
  renderTemplate,
  telegramHtmlProblem,
  templateProblem,
  type MessageLang,
} from "./template";

describe("the server's renderings (template.golden.json, made by notify/templates.py)", () => {
  for (const c of golden.cases) {
    it(c.name, () => {
      const alert = { id: 1, ...c.alert } as unknown as AlertPublic;
      expect(renderTelegramHtml(c.template, alert, c.timezone, c.locale as MessageLang)).toBe(c.html);
    });
  }
  it("refuses the templates the server refuses, accepts the others", () => {
    for (const p of golden.problems) {
      expect({ template: p.template, refused: templateProblem(p.template) !== null }).toEqual({ template: p.template, refused: p.problem !== null });
    }
  });
});

describe("Python's number formatting", () => {
  it("rounds ties to even on the exact value, like f-strings", () => {
    expect(pyFixed(0.125, 2)).toBe("0.12");
    expect(pyFixed(0.375, 2)).toBe("0.38");
    expect(pyFixed(0.5, 0)).toBe("0");
    expect(pyFixed(1.5, 0)).toBe("2");
    expect(pyFixed(2.675, 2)).toBe("2.67"); // 2.67499999…: not a tie
    expect(pyFixed(-0.125, 2)).toBe("-0.12");
  });
  it("writes prices with every digit and no exponent (Decimal.normalize)", () => {
    expect(formatPriceText("0.00000123")).toBe("0.00000123");
    expect(formatPriceText("64000.50")).toBe("64000.5");
    expect(formatPriceText("1E+3")).toBe("1000");
    expect(formatPriceText(1e-7)).toBe("0.0000001");
    expect(formatPriceText("0")).toBe("0");
  });
});

describe("Telegram HTML", () => {
  it("names the problem and where it is", () => {
    expect(telegramHtmlProblem("a < b")).toEqual({ reason: "lt", at: 3 });
    expect(telegramHtmlProblem("<b><i>x</b></i>")).toEqual({ reason: "misnested", at: 8, tag: "b", open: "i" });
    expect(telegramHtmlProblem('<a href="x" onclick="y">z</a>')).toEqual({ reason: "attr", at: 1, tag: "a", name: "onclick" });
    expect(telegramHtmlProblem("<script>x</script>")).toEqual({ reason: "tag", at: 1, tag: "script" });
    expect(templateProblem("<b>{symbol}")).toEqual({ kind: "html", problem: { reason: "unclosed", tag: "b" } });
  });
  it("parses a rendered message into allowed tags and decoded text", () => {
    expect(parseMessage('<b>A &amp; B</b> &lt;i&gt; <a href="https://x.test/?a=1&amp;b=2">go</a>')).toEqual([
      { tag: "b", attrs: {}, children: ["A & B"] },
      " <i> ",
      { tag: "a", attrs: { href: "https://x.test/?a=1&b=2" }, children: ["go"] },
    ]);
  });
  it("keeps anything that is not valid Telegram HTML as text", () => {
    expect(parseMessage("<img src=x onerror=alert(1)>")).toEqual(["<img src=x onerror=alert(1)>"]);
  });
});

describe("templateProblem (same rules as templates.template_problem)", () => {
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
  it("rejects a placeholder in an unquoted attribute: a value with a space or \"=\" would break the tag", () => {
    expect(templateProblem("<a href={link}>x</a>")).toEqual({ kind: "unquoted", at: 1, tag: "a" });
    expect(templateProblem('<a href="{link}">x</a>')).toBeNull();
    expect(templateProblem("<a href='{link}'>x</a>")).toBeNull();
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
    expect(renderTemplate("{{{time}}}", PREVIEW_ALERT, "Europe/Berlin")).toBe("{2026-01-15 13:34:56 CET}");
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

it("links pairs to their exchange (templates.exchange_link)", () => {
  expect(chartLink("binance", "spot", "ETHUSDT", "ETH", "USDT")).toBe("https://www.binance.com/en/trade/ETH_USDT?type=spot");
  expect(chartLink("okx", "futures", "BTC-USDT-SWAP", "BTC", "USDT")).toBe("https://www.okx.com/trade-swap/btc-usdt-swap");
  expect(chartLink("hyperliquid", "futures", "SOL", "SOL", "USDC")).toBe("https://app.hyperliquid.xyz/trade/SOL");
  expect(chartLink("unknown", "spot", "X", "X", "Y")).toBe("");
});
