import { describe, expect, it } from "vitest";
import { backoffDelay } from "./backoff";

describe("backoffDelay", () => {
  const opts = (r: number) => ({ baseMs: 1000, capMs: 30_000, random: () => r });
  it("grows exponentially up to the cap", () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, opts(0.999999)))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });
  it("never goes below the base (full jitter above it)", () => {
    expect(backoffDelay(5, opts(0))).toBe(1000);
    const d = backoffDelay(3, opts(0.5));
    expect(d).toBe(1000 + 0.5 * 7000);
  });
  it("treats a negative attempt as the first", () => {
    expect(backoffDelay(-3, opts(1))).toBe(1000);
  });
});
