import { describe, expect, it } from "vitest";
import { displaySymbol, exchangeMarketShort, formatAgo, formatClock, formatFeedTime, formatDelta, formatLag, formatPrice, formatUsdCompact } from "./format";

describe("formatDelta", () => {
  it("signs by direction with a true minus and two decimals", () => {
    expect(formatDelta(3.256, "up", "en-GB")).toBe("+3.26%");
    expect(formatDelta(3.2, "down", "en-GB")).toBe("\u22123.20%");
    expect(formatDelta(-1.5, "down", "en-GB")).toBe("\u22121.50%");
  });
  it("uses the locale's decimal separator", () => {
    expect(formatDelta(3.25, "up", "ru-RU")).toBe("+3,25%");
  });
});

describe("formatUsdCompact", () => {
  it("scales like the Telegram messages", () => {
    expect(formatUsdCompact(1_830_000, "en-GB")).toBe("$1.83M");
    expect(formatUsdCompact("2500000000", "en-GB")).toBe("$2.50B");
    expect(formatUsdCompact(980_400, "en-GB")).toBe("$980.40K");
    expect(formatUsdCompact(12.4, "en-GB")).toBe("$12");
  });
  it("prints a volume just under a unit in that unit, as the Telegram messages do ($1.00M, never $1,000.00K)", () => {
    expect([999.49, 999.7, 999_994.99, 999_999, 999_995_000].map((v) => formatUsdCompact(v, "en-GB"))).toEqual(["$999", "$1.00K", "$999.99K", "$1.00M", "$1.00B"]);
  });
  it("renders missing values as a dash", () => {
    expect(formatUsdCompact(null, "en-GB")).toBe("—");
    expect(formatUsdCompact("abc", "en-GB")).toBe("—");
  });
});

describe("formatPrice", () => {
  it("keeps significant digits of small prices", () => {
    expect(formatPrice("0.00001234", "en-GB")).toBe("0.00001234");
    expect(formatPrice(0.123456789, "en-GB")).toBe("0.123457");
  });
  it("groups large prices and limits decimals", () => {
    expect(formatPrice("64250.5", "en-GB")).toBe("64,250.5");
    expect(formatPrice(187.4256, "en-GB")).toBe("187.4256");
  });
  it("passes through text it cannot parse", () => {
    expect(formatPrice("n/a", "en-GB")).toBe("n/a");
    expect(formatPrice(undefined, "en-GB")).toBe("—");
  });
});

describe("time", () => {
  const t = Date.UTC(2026, 0, 15, 12, 34, 56);
  it("formats the clock in a given time zone, 24 h", () => {
    expect(formatClock(t, "en-GB", "UTC")).toBe("12:34:56");
    expect(formatClock(t, "ru-RU", "Europe/Moscow")).toBe("15:34:56");
  });
  it("adds the date to feed times of other days", () => {
    expect(formatFeedTime(t, t + 3600_000, "ru-RU", "UTC")).toBe("12:34:56");
    expect(formatFeedTime(t, t + 86_400_000, "ru-RU", "UTC")).toBe("15.01 12:34:56");
  });
  it("falls back to the browser zone for an unknown one", () => {
    expect(() => formatClock(t, "en-GB", "Mars/Olympus")).not.toThrow();
  });
  it("says how long ago", () => {
    expect(formatAgo(t - 5000, t, "en-GB")).toMatch(/5 sec/);
    expect(formatAgo(t - 3 * 3600_000, t, "ru-RU")).toMatch(/3 ч/);
  });
  it("formats lag", () => {
    expect(formatLag(850, "en-GB")).toBe("850ms");
    expect(formatLag(1250, "en-GB")).toBe("1.3s");
    expect(formatLag(null, "en-GB")).toBe("—");
    expect(formatLag(2, "ru-RU")).toBe("2 мс");
    expect(formatLag(90_000, "ru-RU")).toMatch(/^2 мин/);
  });
});

it("shortens venue names like the messages", () => {
  expect(exchangeMarketShort("binance", "futures")).toBe("BN-F");
  expect(exchangeMarketShort("okx", "spot")).toBe("OKX-S");
  expect(exchangeMarketShort("newex", "spot")).toBe("newex-S");
});

it("shows Hyperliquid spot pairs by their tokens and other symbols as written", () => {
  expect(displaySymbol("@107", "HYPE", "USDC")).toBe("HYPE/USDC");
  expect(displaySymbol("@107", "@107", "")).toBe("@107"); // listing unknown: the wire name
  expect(displaySymbol("BTC-USDT-SWAP", "BTC", "USDT")).toBe("BTC-USDT-SWAP");
});
