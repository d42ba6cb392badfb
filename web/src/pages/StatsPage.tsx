import { useState } from "react";
import { Link } from "react-router-dom";
import { api } from "../api/client";
import type { StatsResponse, TopSpike } from "../api/contract";
import { API } from "../api/paths";
import { BarChart } from "../components/BarChart";
import { ResourceView } from "../components/States";
import { useI18n } from "../i18n";
import { exchangeMarketShort, exchangeName, formatDay, formatDelta, formatInt, formatPct, formatUsdCompact } from "../lib/format";
import { useResource } from "../lib/useResource";

const PERIODS = [1, 7, 30, 90, 365];

export default function StatsPage() {
  const { t, locale } = useI18n();
  const [scope, setScope] = useState<"me" | "global">("me");
  const [days, setDays] = useState(7);
  const [coin, setCoin] = useState("");
  const stats = useResource<StatsResponse>(
    (signal) => api.get(API.stats, { signal, query: { scope, days, coin: coin || undefined } }),
    [scope, days, coin],
  );
  return (
    <div className="page">
      <div className="page-head">
        <h1>{t("stats.title")}</h1>
        <div className="seg">
          {(["me", "global"] as const).map((s) => (
            <button key={s} type="button" className={scope === s ? "seg-on" : ""} onClick={() => setScope(s)}>{t(`stats.scope.${s}`)}</button>
          ))}
        </div>
        <div className="seg">
          {PERIODS.map((d) => (
            <button key={d} type="button" className={days === d ? "seg-on" : ""} onClick={() => setDays(d)}>{t("stats.days", { count: d })}</button>
          ))}
        </div>
        <label className="inline">
          {t("stats.customDays")}
          <input type="number" min={1} max={365} className="num" value={days} onChange={(e) => setDays(Math.min(365, Math.max(1, Math.round(Number(e.target.value) || 1))))} />
        </label>
        {coin && (
          <button type="button" className="chip chip-on" onClick={() => setCoin("")} data-testid="coin-filter">{coin} ✕</button>
        )}
      </div>
      <ResourceView resource={stats}>
        {(s) => (
          <div className="stats-grid" data-testid="stats">
            <section className="panel span-2">
              <div className="kpis">
                <div><span className="muted small">{t("stats.totalLabel")}</span><b className="mono" data-testid="stats-total">{formatInt(s.total, locale)}</b></div>
                <div><span className="muted small">{t("direction.up")}</span><b className="mono up">{formatInt(s.up, locale)}</b></div>
                <div><span className="muted small">{t("direction.down")}</span><b className="mono down">{formatInt(s.down, locale)}</b></div>
                <div><span className="muted small">{t("stats.avgDelta")}</span><b className="mono">{s.avg_delta_pct === null ? "—" : formatPct(s.avg_delta_pct, locale, 2)}</b></div>
                <div><span className="muted small">{t("stats.avgVolume")}</span><b className="mono">{formatUsdCompact(s.avg_volume_usd, locale)}</b></div>
              </div>
              <h2>{t("stats.perDay")}</h2>
              <BarChart data={s.per_day.map((d) => ({ label: formatDay(d.date, locale), value: d.count }))} format={(n) => formatInt(n, locale)} />
            </section>
            <section className="panel">
              <h2>{t("stats.byVenue")}</h2>
              <table className="table">
                <tbody>
                  {s.by_exchange_market.map((r) => (
                    <tr key={`${r.exchange}_${r.market}`}>
                      <td>{exchangeName(r.exchange)} <span className="muted">{t(`market.${r.market === "futures" ? "futures" : "spot"}`)}</span></td>
                      <td className="num mono">{formatInt(r.count, locale)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
            <section className="panel">
              <h2>{t("stats.topSymbols")}</h2>
              <table className="table">
                <tbody>
                  {s.top_symbols.map((r) => (
                    <tr key={`${r.symbol}@${r.exchange}_${r.market}`}>
                      <td>
                        <button type="button" className="link" onClick={() => setCoin(r.base)} title={t("stats.drillDown", { coin: r.base })}>{r.symbol}</button>{" "}
                        <span className="muted">{exchangeMarketShort(r.exchange, r.market)}</span>
                      </td>
                      <td className="num mono">{formatInt(r.count, locale)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
            <TopList title={t("stats.topDelta")} spikes={s.top_delta} locale={locale} />
            <TopList title={t("stats.topVolume")} spikes={s.top_volume} locale={locale} />
          </div>
        )}
      </ResourceView>
    </div>
  );
}

function TopList({ title, spikes, locale }: { title: string; spikes: TopSpike[]; locale: string }) {
  return (
    <section className="panel">
      <h2>{title}</h2>
      <table className="table">
        <tbody>
          {spikes.map((a, i) => (
            <tr key={a.alert_id ?? `${a.symbol}-${a.ts_ms}-${i}`}>
              <td>
                {a.alert_id !== null ? <Link to={`/alerts/${a.alert_id}`}>{a.symbol}</Link> : a.symbol} <span className="muted">{exchangeMarketShort(a.exchange, a.market)}</span>
              </td>
              <td className={`num mono ${a.direction === "up" ? "up" : "down"}`}>{formatDelta(a.delta_pct, a.direction, locale)}</td>
              <td className="num mono">{formatUsdCompact(a.volume_usd, locale)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
