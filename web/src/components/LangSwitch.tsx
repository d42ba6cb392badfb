import { useEffect } from "react";
import { api } from "../api/client";
import type { UserPublic } from "../api/contract";
import { API } from "../api/paths";
import { useAuth } from "../app/auth";
import { LANGS, useI18n, type Lang } from "../i18n";

/** Remember the language on the account too (messages from the bot use it). */
function saveLocale(lang: Lang): void {
  const user = api.getSession()?.user;
  if (!user || user.locale === lang) return;
  api.patch<UserPublic>(API.me, { locale: lang }).then((u) => api.updateUser(u), () => undefined);
}

export function LangSwitch() {
  const { lang, setLang, t } = useI18n();
  // Messages (bot, e-mail) and the template preview use the account's language: keep it the
  // language this browser shows (accounts start as "en" whatever the browser speaks).
  const { user } = useAuth();
  useEffect(() => {
    if (user && user.locale !== lang) saveLocale(lang);
  }, [user, lang]);
  return (
    <div className="seg" role="group" aria-label={t("nav.language")}>
      {LANGS.map((l) => (
        <button key={l} type="button" className={l === lang ? "seg-on" : ""} aria-pressed={l === lang} onClick={() => setLang(l)} data-testid={`lang-${l}`}>
          {l.toUpperCase()}
        </button>
      ))}
    </div>
  );
}
