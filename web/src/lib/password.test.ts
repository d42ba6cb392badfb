import { describe, expect, it } from "vitest";
import { checkPassword } from "./password";

describe("checkPassword (mirrors accounts/passwords.py)", () => {
  it("rejects short, common, repetitive and e-mail passwords", () => {
    expect(checkPassword("short").problems).toContain("too_short");
    expect(checkPassword("Password123").problems).toContain("too_common");
    expect(checkPassword("abababababab").problems).toContain("too_few_distinct");
    expect(checkPassword("trader@example.com", "trader@example.com").problems).toContain("is_email");
    expect(checkPassword("tradername", "tradername@example.com").problems).toContain("is_email");
  });
  it("scores acceptable passwords 1–4", () => {
    expect(checkPassword("lowercase1").score).toBe(1);
    expect(checkPassword("Lowercase12x").score).toBe(2);
    expect(checkPassword("Volatile-Wick-2026!").score).toBe(4);
    expect(checkPassword("correct horse battery staple").score).toBe(4);
  });
  it("counts Cyrillic letters as letters", () => {
    expect(checkPassword("ПарольДляБиржи7").problems).toEqual([]);
  });
  it("reports nothing for an empty field but the length", () => {
    expect(checkPassword("").problems).toEqual(["too_short"]);
  });
});
