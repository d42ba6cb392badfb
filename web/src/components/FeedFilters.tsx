import detection from "../api/detection.json";
import { exchangeName } from "../lib/format";
import type { FeedFilters } from "../live/feed";
import { useI18n } from "../i18n";

const EXCHANGES = detection.exchanges;
const MARKETS = detection.markets as ("spot" | "futures")[];

function toggle(list: string[], value: string): string[] {
  return list.includes(value) ? list.filter((v) => v !== value) : [...list, value];
}

function numberOrNull(text: string): number | null {
  if (text.trim() === "") return null;
  const n = Number(text.replace(",", "."));
  return Number.isFinite(n) && n >= 0 ? n : null;
}

export function FeedFiltersBar({ value, onChange }: { value: FeedFilters; onChange: (f: FeedFilters) => void }) {
  const { t } = useI18n();
  const set = (patch: Partial<FeedFilters>) => onChange({ ...value, ...patch });
  return (
    <div className="filters" data-testid="feed-filters">
      <div className="chips" role="group" aria-label={t("live.exchanges")}>
        {EXCHANGES.map((ex) => (
          <button key={ex} type="button" className={`chip ${value.exchanges.includes(ex) ? "chip-on" : ""}`} aria-pressed={value.exchanges.includes(ex)} onClick={() => set({ exchanges: toggle(value.exchanges, ex) })}>
            {exchangeName(ex)}
          </button>
        ))}
      </div>
      <div className="chips" role="group" aria-label={t("live.markets")}>
        {MARKETS.map((m) => (
          <button key={m} type="button" className={`chip ${value.markets.includes(m) ? "chip-on" : ""}`} aria-pressed={value.markets.includes(m)} onClick={() => set({ markets: toggle(value.markets, m) })}>
            {t(`market.${m}`)}
          </button>
        ))}
      </div>
      <div className="seg" role="group" aria-label={t("live.direction")}>
        {(["any", "up", "down"] as const).map((d) => (
          <button key={d} type="button" className={value.direction === d ? "seg-on" : ""} aria-pressed={value.direction === d} onClick={() => set({ direction: d })}>
            {t(`direction.${d}`)}
          </button>
        ))}
      </div>
      <label className="inline">
        {t("live.minDelta")}
        <input type="number" inputMode="decimal" min={0} step={0.1} className="num" value={value.minDeltaPct ?? ""} onChange={(e) => set({ minDeltaPct: numberOrNull(e.target.value) })} placeholder="%" />
      </label>
      <label className="inline">
        {t("live.minVolume")}
        <input type="number" inputMode="decimal" min={0} step={1000} className="num wide" value={value.minVolumeUsd ?? ""} onChange={(e) => set({ minVolumeUsd: numberOrNull(e.target.value) })} placeholder="$" />
      </label>
      <input type="search" className="search" placeholder={t("live.symbolSearch")} value={value.symbol} onChange={(e) => set({ symbol: e.target.value })} aria-label={t("live.symbolSearch")} />
    </div>
  );
}
