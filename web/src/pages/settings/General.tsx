import detection from "../../api/detection.json";
import { useI18n } from "../../i18n";
import { exchangeName } from "../../lib/format";
import { CHANNEL_KINDS, type ChannelKind, type SettingsDoc } from "../../lib/settingsDoc";
import { Check, FieldError, NumberInput } from "./fields";

type Switches = NonNullable<SettingsDoc["switches"]>;

function timeZones(): string[] {
  try {
    return (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf("timeZone");
  } catch {
    return ["UTC", "Europe/Moscow", "Europe/Berlin", "Europe/London", "Asia/Dubai", "Asia/Singapore", "America/New_York"];
  }
}
const ZONES = ["UTC", ...timeZones().filter((z) => z !== "UTC")];

export function General({ doc, set, errors }: { doc: SettingsDoc; set: (d: SettingsDoc) => void; errors: Record<string, string> }) {
  const { t } = useI18n();
  const switches = (doc.switches ?? {}) as Switches;
  const dest = doc.destinations ?? ["browser"];
  const toggleDest = (k: ChannelKind) => {
    const next = dest.includes(k) ? dest.filter((d) => d !== k) : [...dest, k];
    if (next.length) set({ ...doc, destinations: next });
  };
  return (
    <section className="panel" id="general">
      <h2>{t("settings.general")}</h2>
      <div className="row-wrap">
        <Check checked={doc.enabled} onChange={(v) => set({ ...doc, enabled: v })} label={t("settings.enabled")} testId="settings-enabled" />
        <Check checked={doc.threshold_alerts} onChange={(v) => set({ ...doc, threshold_alerts: v })} label={t("settings.thresholdAlerts")} />
      </div>
      <h3>{t("settings.switches")}</h3>
      <div className="switch-grid">
        <span />
        {detection.markets.map((m) => (
          <span key={m} className="muted small">{t(`market.${m as "spot" | "futures"}`)}</span>
        ))}
        {detection.exchanges.map((ex) => {
          const sw = (switches as Record<string, { spot: boolean; futures: boolean }>)[ex] ?? { spot: true, futures: true };
          return [
            <span key={ex}>{exchangeName(ex)}</span>,
            ...detection.markets.map((m) => (
              <Check
                key={`${ex}-${m}`}
                checked={sw[m as "spot" | "futures"]}
                onChange={(v) => set({ ...doc, switches: { ...switches, [ex]: { ...sw, [m]: v } } as Switches })}
              />
            )),
          ];
        })}
      </div>
      <div className="row-wrap">
        <label className="inline">
          {t("settings.cooldown")}
          <NumberInput value={doc.cooldown_s} integer min={0} max={86400} onChange={(v) => set({ ...doc, cooldown_s: Math.round(v ?? 0) })} invalid={Boolean(errors.cooldown_s)} />
          <span className="muted">{t("common.seconds")}</span>
        </label>
        <label className="inline">
          {t("settings.timezone")}
          <select value={doc.timezone} onChange={(e) => set({ ...doc, timezone: e.target.value })} data-testid="settings-timezone">
            {(ZONES.includes(doc.timezone) ? ZONES : [doc.timezone, ...ZONES]).map((z) => (
              <option key={z} value={z}>{z}</option>
            ))}
          </select>
        </label>
      </div>
      <FieldError text={[errors.cooldown_s, errors.timezone].filter(Boolean).join("; ")} />
      <h3>{t("settings.destinations")}</h3>
      <div className="chips">
        {CHANNEL_KINDS.map((k) => (
          <button key={k} type="button" className={`chip ${dest.includes(k) ? "chip-on" : ""}`} aria-pressed={dest.includes(k)} onClick={() => toggleDest(k)} data-testid={`destination-${k}`}>
            {t(`channel.${k}`)}
          </button>
        ))}
      </div>
    </section>
  );
}
