import { useState } from "react";
import { useI18n } from "../../i18n";
import {
  CHANNEL_KINDS,
  CONDITION_TYPES,
  EXCHANGE_MARKETS,
  newCondition,
  newStrategy,
  parseSymbolList,
  type Condition,
  type ConditionType,
  type SettingsDoc,
  type Strategy,
} from "../../lib/settingsDoc";
import { Check, FieldError, NumberInput } from "./fields";
import { useRowKeys } from "./rowKeys";
import { TemplateEditor } from "./TemplateEditor";

export function Strategies({ doc, set, errors }: { doc: SettingsDoc; set: (d: SettingsDoc) => void; errors: Record<string, string> }) {
  const { t } = useI18n();
  const items = doc.strategies ?? [];
  // rows keyed by the strategy, not its index: removing one above must not hand its state to the next
  const rowKeys = useRowKeys();
  const keys = rowKeys.keysOf(items);
  const update = (i: number, s: Strategy) => {
    rowKeys.carry(items[i], s);
    set({ ...doc, strategies: items.map((x, j) => (j === i ? s : x)) });
  };
  return (
    <section className="panel" id="strategies">
      <h2>{t("settings.strategies")}</h2>
      <p className="muted small">{t("settings.strategiesHint")}</p>
      {items.map((s, i) => (
        <StrategyCard
          key={keys[i]}
          strategy={s}
          timeZone={doc.timezone}
          mainTemplate={doc.message_template}
          errors={Object.fromEntries(Object.entries(errors).filter(([k]) => k === `strategies.${i}` || k.startsWith(`strategies.${i}.`)).map(([k, v]) => [k.slice(`strategies.${i}`.length + 1), v]))}
          onChange={(next) => update(i, next)}
          onRemove={() => set({ ...doc, strategies: items.filter((_, j) => j !== i) })}
        />
      ))}
      <FieldError text={errors.strategies} />
      <button type="button" className="btn btn-small" onClick={() => set({ ...doc, strategies: [...items, newStrategy(items, t("settings.newStrategy"))] })}>
        + {t("settings.addStrategy")}
      </button>
    </section>
  );
}

function StrategyCard({
  strategy: s,
  onChange,
  onRemove,
  timeZone,
  mainTemplate,
  errors,
}: {
  strategy: Strategy;
  onChange: (s: Strategy) => void;
  onRemove: () => void;
  timeZone: string;
  mainTemplate: string;
  errors: Record<string, string>;
}) {
  const { t } = useI18n();
  const conditions = s.conditions ?? [];
  const dest = s.destinations ?? ["browser"];
  const rowKeys = useRowKeys();
  const keys = rowKeys.keysOf(conditions);
  const setCond = (i: number, c: Condition) => {
    rowKeys.carry(conditions[i], c);
    onChange({ ...s, conditions: conditions.map((x, j) => (j === i ? c : x)) });
  };
  const generalError = [errors[""], errors.conditions, errors.name].filter(Boolean).join("; ");
  return (
    <div className="card" data-testid="strategy">
      <div className="row-wrap">
        <Check checked={s.enabled} onChange={(v) => onChange({ ...s, enabled: v })} />
        <input type="text" className="name" maxLength={80} value={s.name} onChange={(e) => onChange({ ...s, name: e.target.value })} aria-label={t("settings.name")} />
        <Check checked={s.use_global_thresholds} onChange={(v) => onChange({ ...s, use_global_thresholds: v })} label={t("settings.useGlobal")} />
        {!s.use_global_thresholds && (
          <label className="inline">
            {t("settings.window")}
            <NumberInput integer value={s.window_s} min={1} max={60} onChange={(v) => onChange({ ...s, window_s: Math.round(v ?? 1) })} />
          </label>
        )}
        <label className="inline">
          {t("settings.cooldown")}
          <NumberInput integer value={s.cooldown_s} nullable min={0} max={86400} onChange={(v) => onChange({ ...s, cooldown_s: v === null ? null : Math.round(v) })} />
        </label>
        <div className="spacer" />
        <button type="button" className="btn btn-ghost btn-small" onClick={onRemove}>{t("common.remove")}</button>
      </div>
      <FieldError text={generalError} />
      <h4>{t("settings.conditions")}</h4>
      {conditions.map((c, i) => (
        <div key={keys[i]} className="row-wrap cond" data-testid="condition">
          <select value={c.type} onChange={(e) => setCond(i, newCondition(e.target.value as ConditionType))}>
            {CONDITION_TYPES.map((ct) => <option key={ct} value={ct}>{t(`condition.${ct}`)}</option>)}
          </select>
          <ConditionFields c={c} onChange={(next) => setCond(i, next)} />
          <button type="button" className="btn btn-ghost btn-small" onClick={() => onChange({ ...s, conditions: conditions.filter((_, j) => j !== i) })} aria-label={t("common.remove")}>✕</button>
          <FieldError text={errors[`conditions.${i}`] ?? Object.entries(errors).find(([k]) => k.startsWith(`conditions.${i}.`))?.[1]} />
        </div>
      ))}
      <button type="button" className="btn btn-small" onClick={() => onChange({ ...s, conditions: [...conditions, newCondition("delta")] })}>+ {t("settings.addCondition")}</button>
      <h4>{t("settings.destinations")}</h4>
      <div className="chips">
        {CHANNEL_KINDS.map((k) => (
          <button
            key={k}
            type="button"
            className={`chip ${dest.includes(k) ? "chip-on" : ""}`}
            onClick={() => {
              const next = dest.includes(k) ? dest.filter((d) => d !== k) : [...dest, k];
              if (next.length) onChange({ ...s, destinations: next });
            }}
          >
            {t(`channel.${k}`)}
          </button>
        ))}
      </div>
      <h4>{t("settings.ownTemplate")}</h4>
      <Check checked={s.template !== null} onChange={(v) => onChange({ ...s, template: v ? "{symbol} {delta_formatted} ({series_count}) {link}" : null })} label={t("settings.useOwnTemplate")} />
      {s.template !== null && (
        <TemplateEditor
          value={s.template}
          onChange={(v) => onChange({ ...s, template: v })}
          timeZone={timeZone}
          serverError={errors.template}
          inherits={mainTemplate}
          sample={{ strategy: s.name, series_count: conditions.find((c) => c.type === "series")?.count ?? 1 }}
          testId="strategy-template"
        />
      )}
    </div>
  );
}

function ConditionFields({ c, onChange }: { c: Condition; onChange: (c: Condition) => void }) {
  const { t } = useI18n();
  switch (c.type) {
    case "delta":
      return (
        <>
          <label className="inline">{t("condition.min")} <NumberInput value={c.min_pct} nullable min={0} max={1000} onChange={(v) => onChange({ ...c, min_pct: v })} /> %</label>
          <label className="inline">{t("condition.max")} <NumberInput value={c.max_pct} nullable min={0} onChange={(v) => onChange({ ...c, max_pct: v })} /> %</label>
        </>
      );
    case "volume":
      return <label className="inline">≥ <NumberInput className="num wide" value={c.min_usd} min={0} onChange={(v) => onChange({ ...c, min_usd: v ?? 0 })} /> $</label>;
    case "wick":
      return <label className="inline">≥ <NumberInput value={c.min_pct} min={0} max={100} onChange={(v) => onChange({ ...c, min_pct: v ?? 0 })} /> %</label>;
    case "direction":
      return (
        <select value={c.direction} onChange={(e) => onChange({ ...c, direction: e.target.value as "up" | "down" })}>
          <option value="up">{t("direction.up")}</option>
          <option value="down">{t("direction.down")}</option>
        </select>
      );
    case "symbols":
      return <SymbolsInput value={c.symbols} onChange={(symbols) => onChange({ ...c, symbols })} />;
    case "markets":
      return (
        <div className="chips small">
          {EXCHANGE_MARKETS.map((m) => {
            const on = (c.markets as string[]).includes(m);
            return (
              <button
                key={m}
                type="button"
                className={`chip ${on ? "chip-on" : ""}`}
                onClick={() => {
                  const next = on ? c.markets.filter((x) => x !== m) : [...c.markets, m as (typeof c.markets)[number]];
                  if (next.length) onChange({ ...c, markets: next });
                }}
              >
                {m}
              </button>
            );
          })}
        </div>
      );
    case "series":
      return (
        <>
          <label className="inline">≥ <NumberInput integer value={c.count} min={1} max={1000} onChange={(v) => onChange({ ...c, count: Math.round(v ?? 1) })} /> {t("condition.spikes")}</label>
          <label className="inline">{t("condition.within")} <NumberInput integer value={c.within_s} min={1} max={7 * 86400} onChange={(v) => onChange({ ...c, within_s: Math.round(v ?? 60) })} /> {t("common.seconds")}</label>
        </>
      );
  }
}


/** The coins / symbols of a "symbols" condition: the text as typed while it means the document's
 * list, the document's list again when that changes from elsewhere (Discard, a save), and the
 * words that are no coin or symbol named instead of dropped. */
function SymbolsInput({ value, onChange }: { value: string[]; onChange: (refs: string[]) => void }) {
  const { t } = useI18n();
  // `source`: the list the text stands for (the one sent up last, or the document's)
  const [draft, setDraft] = useState(() => ({ text: value.join(", "), invalid: [] as string[], source: value }));
  let shown = draft;
  if (value !== draft.source) {
    shown = { text: value.join(", "), invalid: [], source: value };
    setDraft(shown);
  }
  return (
    <>
      <input
        type="text"
        className="wide-text"
        value={shown.text}
        onChange={(e) => {
          const { refs, invalid } = parseSymbolList(e.target.value);
          setDraft({ text: e.target.value, invalid, source: refs });
          onChange(refs);
        }}
        placeholder="BTC, ETHUSDT@binance_futures"
        aria-label={t("condition.symbols")}
        aria-invalid={shown.invalid.length > 0 || undefined}
      />
      {shown.invalid.length > 0 && (
        <span className="field-error" data-testid="symbols-ignored">
          {t("settings.ignoredWords", { words: shown.invalid.join(" ") })}
        </span>
      )}
    </>
  );
}
