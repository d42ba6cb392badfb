import { useEffect, useState } from "react";
import detection from "../../api/detection.json";
import { useI18n } from "../../i18n";
import { exchangeName } from "../../lib/format";
import { newOverride, newThresholdGroup, normalizeSymbolRef, type SettingsDoc, type SymbolOverride, type ThresholdGroup } from "../../lib/settingsDoc";
import { Check, FieldError, NumberInput } from "./fields";

function rowError(errors: Record<string, string>, prefix: string): string | undefined {
  const key = Object.keys(errors).find((k) => k === prefix || k.startsWith(prefix + "."));
  return key ? errors[key] : undefined;
}

/**
 * The quote of a group: `USDT`, or `*` for any. The box can be emptied to type another one; an
 * empty box means any quote (the document holds `*` meanwhile, and the box shows it on leaving).
 */
function QuoteInput({ value, onChange, label }: { value: string; onChange: (quote: string) => void; label: string }) {
  const [text, setText] = useState(value);
  useEffect(() => {
    setText((prev) => ((prev.trim().toUpperCase() || "*") === value ? prev : value));
  }, [value]);
  return (
    <input
      type="text"
      className="quote"
      maxLength={16}
      aria-label={label}
      placeholder="*"
      value={text}
      onChange={(e) => {
        const raw = e.target.value.toUpperCase();
        setText(raw);
        onChange(raw.trim() || "*");
      }}
      onBlur={() => setText(value)}
    />
  );
}

export function Thresholds({ doc, set, errors }: { doc: SettingsDoc; set: (d: SettingsDoc) => void; errors: Record<string, string> }) {
  const { t } = useI18n();
  const groups = doc.thresholds ?? [];
  const update = (i: number, patch: Partial<ThresholdGroup>) => set({ ...doc, thresholds: groups.map((g, j) => (j === i ? { ...g, ...patch } : g)) });
  const remove = (i: number) => set({ ...doc, thresholds: groups.filter((_, j) => j !== i) });
  return (
    <section className="panel" id="thresholds">
      <h2>{t("settings.thresholds")}</h2>
      <p className="muted small">{t("settings.thresholdsHint")}</p>
      <FieldError text={errors.thresholds} />
      <div className="table-wrap">
        <table className="table table-edit" data-testid="thresholds-table">
          <thead>
            <tr>
              <th>{t("settings.on")}</th>
              <th>{t("settings.name")}</th>
              <th>{t("settings.exchange")}</th>
              <th>{t("settings.market")}</th>
              <th>{t("settings.quote")}</th>
              <th className="num">{t("settings.minDelta")}</th>
              <th className="num">{t("settings.minVolume")}</th>
              <th className="num">{t("settings.minWick")}</th>
              <th className="num">{t("settings.window")}</th>
              <th>{t("settings.chart")}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {groups.map((g, i) => {
              const err = rowError(errors, `thresholds.${i}`);
              return (
                <tr key={i} className={err ? "row-invalid" : ""} title={err}>
                  <td><Check checked={g.enabled} onChange={(v) => update(i, { enabled: v })} /></td>
                  <td><input type="text" className="name" maxLength={80} value={g.name ?? ""} placeholder={`${g.exchange}/${g.market}/${g.quote}`} onChange={(e) => update(i, { name: e.target.value || null })} /></td>
                  <td>
                    <select value={g.exchange} onChange={(e) => update(i, { exchange: e.target.value as ThresholdGroup["exchange"] })}>
                      <option value="*">{t("settings.any")}</option>
                      {detection.exchanges.map((ex) => <option key={ex} value={ex}>{exchangeName(ex)}</option>)}
                    </select>
                  </td>
                  <td>
                    <select value={g.market} onChange={(e) => update(i, { market: e.target.value as ThresholdGroup["market"] })}>
                      <option value="*">{t("settings.any")}</option>
                      {detection.markets.map((m) => <option key={m} value={m}>{t(`market.${m as "spot" | "futures"}`)}</option>)}
                    </select>
                  </td>
                  <td><QuoteInput value={g.quote} onChange={(quote) => update(i, { quote })} label={t("settings.quote")} /></td>
                  <td className="num"><NumberInput label={t("settings.minDelta")} value={g.min_delta_pct} min={0.01} max={1000} onChange={(v) => update(i, { min_delta_pct: v ?? 0.01 })} /></td>
                  <td className="num"><NumberInput label={t("settings.minVolume")} className="num wide" value={g.min_volume_usd} min={0} onChange={(v) => update(i, { min_volume_usd: v ?? 0 })} /></td>
                  <td className="num"><NumberInput label={t("settings.minWick")} value={g.min_wick_pct} min={0} max={100} onChange={(v) => update(i, { min_wick_pct: v ?? 0 })} /></td>
                  <td className="num"><NumberInput integer label={t("settings.window")} value={g.window_s} min={1} max={60} onChange={(v) => update(i, { window_s: Math.round(v ?? 1) })} /></td>
                  <td><Check checked={g.chart} onChange={(v) => update(i, { chart: v })} /></td>
                  <td><button type="button" className="btn btn-ghost btn-small" onClick={() => remove(i)} aria-label={t("common.remove")}>✕</button></td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <button type="button" className="btn btn-small" onClick={() => set({ ...doc, thresholds: [...groups, newThresholdGroup(groups)] })} data-testid="add-threshold">
        + {t("settings.addGroup")}
      </button>
      <Overrides doc={doc} set={set} errors={errors} />
    </section>
  );
}

function Overrides({ doc, set, errors }: { doc: SettingsDoc; set: (d: SettingsDoc) => void; errors: Record<string, string> }) {
  const { t } = useI18n();
  const [adding, setAdding] = useState("");
  const items = doc.overrides ?? [];
  const update = (i: number, patch: Partial<SymbolOverride>) => set({ ...doc, overrides: items.map((o, j) => (j === i ? { ...o, ...patch } : o)) });
  const ref = normalizeSymbolRef(adding);
  const duplicate = ref !== null && items.some((o) => o.symbol === ref);
  return (
    <>
      <h3 id="overrides">{t("settings.overrides")}</h3>
      <p className="muted small">{t("settings.overridesHint")}</p>
      {items.length > 0 && (
        <div className="table-wrap">
          <table className="table table-edit">
            <thead>
              <tr>
                <th>{t("settings.on")}</th>
                <th>{t("settings.symbol")}</th>
                <th className="num">{t("settings.minDelta")}</th>
                <th className="num">{t("settings.minVolume")}</th>
                <th className="num">{t("settings.minWick")}</th>
                <th className="num">{t("settings.window")}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {items.map((o, i) => (
                <tr key={o.symbol} className={rowError(errors, `overrides.${i}`) ? "row-invalid" : ""} title={rowError(errors, `overrides.${i}`)}>
                  <td><Check checked={o.enabled} onChange={(v) => update(i, { enabled: v })} /></td>
                  <td className="mono">{o.symbol}</td>
                  <td className="num"><NumberInput value={o.min_delta_pct} min={0.01} max={1000} onChange={(v) => update(i, { min_delta_pct: v ?? 0.01 })} /></td>
                  <td className="num"><NumberInput className="num wide" value={o.min_volume_usd} min={0} onChange={(v) => update(i, { min_volume_usd: v ?? 0 })} /></td>
                  <td className="num"><NumberInput value={o.min_wick_pct} min={0} max={100} onChange={(v) => update(i, { min_wick_pct: v ?? 0 })} /></td>
                  <td className="num"><NumberInput integer value={o.window_s} min={1} max={60} onChange={(v) => update(i, { window_s: Math.round(v ?? 1) })} /></td>
                  <td><button type="button" className="btn btn-ghost btn-small" onClick={() => set({ ...doc, overrides: items.filter((_, j) => j !== i) })} aria-label={t("common.remove")}>✕</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form
        className="row-wrap"
        onSubmit={(e) => {
          e.preventDefault();
          if (ref && !duplicate) {
            set({ ...doc, overrides: [...items, newOverride(ref)] });
            setAdding("");
          }
        }}
      >
        <input type="text" value={adding} onChange={(e) => setAdding(e.target.value)} placeholder="ETH · ETHUSDT@binance_futures" aria-label={t("settings.symbol")} />
        <button type="submit" className="btn btn-small" disabled={!ref || duplicate}>+ {t("settings.addOverride")}</button>
        {adding && !ref && <span className="field-error">{t("settings.badSymbol")}</span>}
        {duplicate && <span className="field-error">{t("settings.duplicateSymbol")}</span>}
      </form>
    </>
  );
}
