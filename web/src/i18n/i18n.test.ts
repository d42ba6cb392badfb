import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import en from "./locales/en.json";
import ru from "./locales/ru.json";
import { detectLang } from "./index";
import { interpolate, isPluralForms, leafKeys, lookup, placeholdersOf, translate, type MessageTree } from "./translate";

const EN = en as MessageTree;
const RU = ru as MessageTree;

describe("translation files", () => {
  it("have exactly the same keys in Russian and English", () => {
    const enKeys = leafKeys(EN);
    const ruKeys = leafKeys(RU);
    expect(ruKeys.filter((k) => !enKeys.includes(k))).toEqual([]);
    expect(enKeys.filter((k) => !ruKeys.includes(k))).toEqual([]);
  });

  it("use the same placeholders in both languages", () => {
    for (const key of leafKeys(EN)) {
      expect([key, placeholdersOf(lookup(RU, key)!)]).toEqual([key, placeholdersOf(lookup(EN, key)!)]);
    }
  });

  it("have no empty texts", () => {
    for (const tree of [EN, RU]) {
      for (const key of leafKeys(tree)) {
        const entry = lookup(tree, key)!;
        for (const text of typeof entry === "string" ? [entry] : Object.values(entry)) expect([key, text.trim().length > 0]).toEqual([key, true]);
      }
    }
  });

  it("give every plural form each language needs", () => {
    for (const key of leafKeys(RU)) {
      const r = lookup(RU, key)!;
      const e = lookup(EN, key)!;
      expect([key, isPluralForms(r)]).toEqual([key, isPluralForms(e)]);
      if (isPluralForms(r)) expect([key, Object.keys(r).sort()]).toEqual([key, ["few", "many", "one", "other"]]);
      if (isPluralForms(e)) expect([key, Object.keys(e).sort()]).toEqual([key, ["one", "other"]]);
    }
  });

  it("are UTF-8 and really Russian", () => {
    const raw = readFileSync(new URL("./locales/ru.json", import.meta.url), "utf8");
    expect(raw).toContain("Настройки");
    expect(raw).not.toMatch(/\\u04[0-9a-f]{2}/i); // no escaped Cyrillic
  });

  it("cover every key the code uses", () => {
    // t("…") literals in the sources (keys built at run time are checked by their TKey type)
    const used = new Set<string>();
    const files = import.meta.glob("../**/*.tsx", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
    for (const source of Object.values(files)) for (const m of source.matchAll(/\bt\("([a-zA-Z0-9_.-]+)"/g)) used.add(m[1]!);
    expect(used.size).toBeGreaterThan(100);
    const missing = [...used].filter((k) => lookup(EN, k) === undefined);
    expect(missing).toEqual([]);
  });
});

describe("translate", () => {
  it("picks Russian plural forms", () => {
    const t = (n: number) => translate(RU, EN, "ru-RU", "stats.days", { count: n });
    expect([1, 2, 5, 11, 21, 22, 25].map(t)).toEqual(["1 день", "2 дня", "5 дней", "11 дней", "21 день", "22 дня", "25 дней"]);
  });
  it("picks English plural forms", () => {
    expect(translate(EN, EN, "en-GB", "stats.days", { count: 1 })).toBe("1 day");
    expect(translate(EN, EN, "en-GB", "stats.days", { count: 365 })).toBe("365 days");
  });
  it("falls back to English, then to the key", () => {
    expect(translate({}, EN, "ru-RU", "nav.live")).toBe("Live");
    expect(translate({}, {}, "ru-RU", "no.such.key")).toBe("no.such.key");
  });
  it("interpolates and formats numbers for the locale", () => {
    expect(interpolate("{a} of {b}", { a: 1234, b: "x" }, "ru-RU")).toBe("1\u00a0234 of x");
    expect(interpolate("{missing} stays", {}, "en")).toBe("{missing} stays");
  });
});

describe("detectLang", () => {
  it("prefers the first known browser language", () => {
    expect(detectLang(["ru-RU", "en-US"])).toBe("ru");
    expect(detectLang(["de-DE", "en-US", "ru"])).toBe("en");
    expect(detectLang(["de-DE", "ru"])).toBe("ru");
    expect(detectLang([])).toBe("en");
  });
});
