// Message lookup, plural forms and interpolation — no React here, so it is unit-tested directly.
//
// Messages are nested JSON objects (locales/en.json, locales/ru.json). A leaf is either a string
// with `{name}` placeholders or a plural object keyed by Intl.PluralRules categories
// (`{"one": "{count} alert", "other": "{count} alerts"}`; Russian needs one/few/many/other).

export type PluralCategory = "zero" | "one" | "two" | "few" | "many" | "other";
export type PluralForms = { other: string } & Partial<Record<PluralCategory, string>>;
export interface MessageTree {
  [key: string]: string | PluralForms | MessageTree;
}
export type Params = Record<string, string | number | null | undefined>;

const PLURAL_KEYS = new Set<string>(["zero", "one", "two", "few", "many", "other"]);

export function isPluralForms(value: unknown): value is PluralForms {
  if (!value || typeof value !== "object") return false;
  const keys = Object.keys(value);
  return keys.includes("other") && keys.every((k) => PLURAL_KEYS.has(k) && typeof (value as Record<string, unknown>)[k] === "string");
}

export function lookup(tree: MessageTree, key: string): string | PluralForms | undefined {
  let node: unknown = tree;
  for (const part of key.split(".")) {
    if (!node || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  if (typeof node === "string" || isPluralForms(node)) return node;
  return undefined;
}

const rulesCache = new Map<string, Intl.PluralRules>();
function pluralRules(locale: string): Intl.PluralRules {
  let r = rulesCache.get(locale);
  if (!r) {
    r = new Intl.PluralRules(locale);
    rulesCache.set(locale, r);
  }
  return r;
}

export function interpolate(template: string, params: Params | undefined, locale: string): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined || value === null) return whole;
    return typeof value === "number" ? new Intl.NumberFormat(locale).format(value) : value;
  });
}

/** The text of `key` in `messages`, falling back to `fallback` and finally to the key itself. */
export function translate(
  messages: MessageTree,
  fallback: MessageTree,
  locale: string,
  key: string,
  params?: Params,
): string {
  const entry = lookup(messages, key) ?? lookup(fallback, key);
  if (entry === undefined) return key;
  if (typeof entry === "string") return interpolate(entry, params, locale);
  const count = Number(params?.count ?? 0);
  const category = pluralRules(locale).select(count) as PluralCategory;
  return interpolate(entry[category] ?? entry.other, params, locale);
}

/** Every leaf key of a tree (plural objects count as one leaf), sorted. */
export function leafKeys(tree: MessageTree, prefix = ""): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (typeof v === "string" || isPluralForms(v)) out.push(path);
    else out.push(...leafKeys(v, path));
  }
  return out.sort();
}

/** Placeholder names used in a leaf (all plural forms together). */
export function placeholdersOf(entry: string | PluralForms): string[] {
  const texts = typeof entry === "string" ? [entry] : Object.values(entry);
  const names = new Set<string>();
  for (const t of texts) for (const m of t.matchAll(/\{(\w+)\}/g)) names.add(m[1]!);
  return [...names].sort();
}
