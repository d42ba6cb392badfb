import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import en from "./locales/en.json";
import ru from "./locales/ru.json";
import { translate, type MessageTree, type Params, type PluralForms } from "./translate";

export type Lang = "en" | "ru";
export const LANGS: readonly Lang[] = ["ru", "en"];
export const MESSAGES: Record<Lang, MessageTree> = { en: en as MessageTree, ru: ru as MessageTree };
const LOCALES: Record<Lang, string> = { en: "en-GB", ru: "ru-RU" };
const STORAGE_KEY = "wickwatch.lang";

type Leaves<T, P extends string = ""> = {
  [K in keyof T & string]: T[K] extends string
    ? `${P}${K}`
    : T[K] extends PluralForms
      ? `${P}${K}`
      : Leaves<T[K], `${P}${K}.`>;
}[keyof T & string];

/** Every message key (checked at compile time against en.json). */
export type TKey = Leaves<typeof en>;

/** The language of the browser: Russian for ru-*, English otherwise. */
export function detectLang(languages: readonly string[] = globalThis.navigator?.languages ?? []): Lang {
  for (const l of languages) {
    const base = l.toLowerCase().split("-")[0];
    if (base === "ru") return "ru";
    if (base === "en") return "en";
  }
  return "en";
}

function initialLang(): Lang {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === "en" || saved === "ru") return saved;
  } catch {
    /* storage blocked */
  }
  return detectLang();
}

interface I18n {
  lang: Lang;
  /** BCP 47 locale for Intl formatters. */
  locale: string;
  setLang: (lang: Lang) => void;
  t: (key: TKey, params?: Params) => string;
}

const Ctx = createContext<I18n | null>(null);

export function I18nProvider({ children, lang: forced }: { children: ReactNode; lang?: Lang }) {
  const [lang, setLangState] = useState<Lang>(forced ?? initialLang);
  const setLang = useCallback((next: Lang) => {
    setLangState(next);
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      /* storage blocked */
    }
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const value = useMemo<I18n>(() => {
    const locale = LOCALES[lang];
    const messages = MESSAGES[lang];
    return { lang, locale, setLang, t: (key, params) => translate(messages, MESSAGES.en, locale, key, params) };
  }, [lang, setLang]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(Ctx);
  if (!value) throw new Error("useI18n outside I18nProvider");
  return value;
}
