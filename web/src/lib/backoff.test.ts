import { describe, expect, it } from "vitest";
import { backoffDelay } from "./backoff";

describe("backoffDelay", () => {
  const opts = (r: number) => ({ baseMs: 1000, capMs: 30_000, random: () => r });
  it("grows exponentially up to the cap", () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, opts(0.999999)))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });
  it("never goes below half the base (full jitter above it)", () => {
    expect(backoffDelay(5, opts(0))).toBe(500);
    const d = backoffDelay(3, opts(0.5));
    expect(d).toBe(500 + 0.5 * 7500);
  });
  it("spreads the first retry: browsers reconnecting after a server restart do not all come back at once", () => {
    const firstRetries = [0, 0.25, 0.5, 0.75, 0.999999].map((r) => backoffDelay(0, opts(r)));
    expect(firstRetries).toEqual([500, 625, 750, 875, 1000]);
  });
  it("treats a negative attempt as the first", () => {
    expect(backoffDelay(-3, opts(1))).toBe(1000);
  });
});
