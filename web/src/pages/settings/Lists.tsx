import { useEffect, useState } from "react";
import { useI18n } from "../../i18n";
import { parseSymbolList, type SettingsDoc } from "../../lib/settingsDoc";
import { Check, FieldError } from "./fields";

function ListBox({ value, onChange, label, disabled }: { value: string[]; onChange: (refs: string[]) => void; label: string; disabled?: boolean }) {
  const { t } = useI18n();
  const [text, setText] = useState(value.join(", "));
  const [invalid, setInvalid] = useState<string[]>([]);
  useEffect(() => {
    setText((prev) => (parseSymbolList(prev).refs.join(",") === value.join(",") ? prev : value.join(", ")));
  }, [value]);
  return (
    <label className="block">
      {label}
      <textarea
        rows={3}
        value={text}
        disabled={disabled}
        onChange={(e) => {
          setText(e.target.value);
          const parsed = parseSymbolList(e.target.value);
          setInvalid(parsed.invalid);
          onChange(parsed.refs);
        }}
        placeholder="LUNA, PEPE, XRPUSDT, USTCUSDT@binance_spot"
      />
      {invalid.length > 0 && <span className="field-error">{t("settings.ignoredWords", { words: invalid.join(" ") })}</span>}
    </label>
  );
}

export function Lists({ doc, set, errors }: { doc: SettingsDoc; set: (d: SettingsDoc) => void; errors: Record<string, string> }) {
  const { t } = useI18n();
  const whitelistOn = doc.whitelist !== null && doc.whitelist !== undefined;
  return (
    <section className="panel" id="lists">
      <h2>{t("settings.lists")}</h2>
      <div className="grid-2">
        <div>
          <ListBox label={t("settings.blacklist")} value={doc.blacklist ?? []} onChange={(refs) => set({ ...doc, blacklist: refs })} />
          <FieldError text={errors.blacklist} />
        </div>
        <div>
          <Check checked={whitelistOn} onChange={(v) => set({ ...doc, whitelist: v ? [] : null })} label={t("settings.whitelistOn")} />
          <ListBox label={t("settings.whitelist")} value={doc.whitelist ?? []} disabled={!whitelistOn} onChange={(refs) => set({ ...doc, whitelist: refs })} />
          <FieldError text={errors.whitelist} />
        </div>
      </div>
    </section>
  );
}
