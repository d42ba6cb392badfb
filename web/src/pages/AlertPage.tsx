import { useEffect, useMemo } from "react";
import { Link, useLocation, useParams } from "react-router-dom";
import { capabilities } from "../api/capabilities";
import { api } from "../api/client";
import type { AlertCandles, AlertPublic, DeliveryPublic } from "../api/contract";
import { API } from "../api/paths";
import { useLiveCandles } from "../app/useLiveCandles";
import { CandleChart } from "../components/CandleChart";
import { ResourceView } from "../components/States";
import { useI18n } from "../i18n";
import { alertChartSource, spikeMarker, toBars, toVolume } from "../lib/chartData";
import { exchangeName, formatDateTime, formatDelta, formatPct, formatPrice, formatUsdCompact } from "../lib/format";
import { chartLink } from "../lib/template";
import { useResource } from "../lib/useResource";

export default function AlertPage() {
  const { id } = useParams();
  const alertId = Number(id);
  const location = useLocation();
  const { t, locale } = useI18n();
  const passed = (location.state as { alert?: AlertPublic } | null)?.alert;
  // the row the feed passed shows at once; the server's copy adds the deliveries
  const rest = useResource<AlertPublic>((signal) => api.get<AlertPublic>(`${API.alerts}/${alertId}`, { signal }), [alertId]);
  const shown = rest.data ?? (passed && passed.id === alertId ? passed : undefined);
  const alert = { ...rest, data: shown, missing: rest.missing && !shown, error: shown ? undefined : rest.error };
  // ten minutes either side: 1-second candles while the server still has them, else 1-minute
  const candles = useResource<AlertCandles>((signal) => api.get<AlertCandles>(API.alertCandles(alertId), { signal, query: { before_min: 10, after_min: 10 } }), [alertId]);

  return (
    <div className="page">
      <div className="page-head">
        <Link to="/live" className="btn btn-ghost btn-small">← {t("alert.back")}</Link>
      </div>
      <ResourceView resource={alert}>
        {(a) => <AlertDetails alert={a} candles={candles.data} candlesMissing={candles.missing} candlesError={candles.error} reloadCandles={candles.reload} locale={locale} />}
      </ResourceView>
    </div>
  );
}

function Deliveries({ deliveries, locale }: { deliveries: DeliveryPublic[]; locale: string }) {
  const { t } = useI18n();
  return (
    <section className="panel">
      <h2>{t("alert.deliveries")}</h2>
      <table className="table" data-testid="deliveries">
        <tbody>
          {deliveries.map((d) => (
            <tr key={d.id}>
              <td>{t(`channel.${(["telegram", "email", "webhook"].includes(d.channel) ? d.channel : "webhook") as "telegram"}`)}</td>
              <td className="mono small">{d.destination}</td>
              <td>
                <span className={`status status-${d.state === "sent" ? "active" : d.state === "failed" ? "down" : "degraded"}`}>{t(`delivery.${d.state}`)}</span>
                {d.attempts > 1 && <span className="muted small"> · {t("alert.attempts", { count: d.attempts })}</span>}
                {d.error && <div className="field-error small">{d.error}</div>}
              </td>
              <td className="muted">{formatDateTime(d.sent_at, locale)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** While an alert has no stored candles yet, ask again this often (history is written per minute). */
export const STORED_RETRY_MS = 30_000;
/** The spike is marked only on a candle this close to it (live candles start when the page opens). */
const MARK_WITHIN_S = 5;

function AlertDetails({ alert: a, candles, candlesMissing, candlesError, reloadCandles, locale }: { alert: AlertPublic; candles?: AlertCandles; candlesMissing: boolean; candlesError: unknown; reloadCandles: () => void; locale: string }) {
  const { t } = useI18n();
  // an alert seconds old has no stored candles yet: show the symbol's live 1-second candles meanwhile
  const storedEmpty = candlesMissing || (candles !== undefined && candles.candles.length === 0);
  const live = useLiveCandles(`${a.exchange}_${a.market}`, a.symbol, storedEmpty);
  const source = useMemo(() => alertChartSource(candles?.candles, live), [candles, live]);
  useEffect(() => {
    if (!storedEmpty || candlesMissing) return;
    const id = setInterval(reloadCandles, STORED_RETRY_MS);
    return () => clearInterval(id);
  }, [storedEmpty, candlesMissing, reloadCandles]);
  const bars = useMemo(() => toBars(source.candles), [source]);
  const volume = useMemo(() => toVolume(source.candles), [source]);
  const markers = useMemo(() => {
    const m = spikeMarker(a, bars, formatDelta(a.delta_pct, a.direction, locale), source.mode === "live" ? MARK_WITHIN_S : Infinity);
    return m ? [m] : [];
  }, [a, bars, locale, source.mode]);
  const priceLine = useMemo(() => ({ price: Number(a.price), title: t("alert.alertPrice") }), [a.price, t]);
  return (
    <>
      <h1 className={a.direction === "up" ? "up" : "down"} data-testid="alert-title">
        {a.symbol} <span className="mono">{formatDelta(a.delta_pct, a.direction, locale)}</span>
      </h1>
      <dl className="facts">
        <div><dt>{t("alert.venue")}</dt><dd>{exchangeName(a.exchange)} {t(`market.${a.market === "futures" ? "futures" : "spot"}`)}</dd></div>
        <div><dt>{t("alert.time")}</dt><dd className="mono">{formatDateTime(a.ts_ms, locale)}</dd></div>
        <div><dt>{t("alert.price")}</dt><dd className="mono">{formatPrice(a.price, locale)}</dd></div>
        <div><dt>{t("alert.wick")}</dt><dd className="mono">{formatPct(a.wick_pct, locale)}</dd></div>
        <div><dt>{t("alert.volume")}</dt><dd className="mono">{formatUsdCompact(a.volume_usd, locale)}</dd></div>
        <div><dt>{t("alert.window")}</dt><dd>{t("alert.windowS", { count: a.window_s })}</dd></div>
        <div><dt>{t("alert.rule")}</dt><dd>{a.strategy ?? a.rule}</dd></div>
        {a.series_count > 1 && <div><dt>{t("alert.series")}</dt><dd>{a.series_count}</dd></div>}
      </dl>
      <p>
        <Link to={`/markets/${a.exchange}_${a.market}/${encodeURIComponent(a.symbol)}`} data-testid="live-chart-link">{t("alert.liveChart")} →</Link>
        {" · "}
        <a href={chartLink(a.exchange, a.market, a.symbol, a.base, a.quote)} target="_blank" rel="noopener noreferrer">{t("alert.onExchange", { exchange: exchangeName(a.exchange) })} ↗</a>
      </p>
      <section className="panel" data-testid="alert-chart">
        <h2>{t("alert.chart")}</h2>
        {source.mode === "stored" ? (
          <CandleChart bars={bars} volume={volume} markers={markers} priceLine={priceLine} seconds={(candles?.interval_s ?? 1) < 60} />
        ) : source.mode === "live" ? (
          <>
            <p className="muted small" data-testid="alert-chart-live">{t("alert.chartLive")}</p>
            <CandleChart bars={bars} volume={volume} markers={markers} priceLine={priceLine} seconds />
          </>
        ) : candlesMissing && !capabilities.serves(API.stream) ? (
          <div className="state state-unavailable">{t("alert.chartUnavailable")}</div>
        ) : candlesError && !candles && !candlesMissing ? (
          <div className="state state-error">{t("alert.chartError")}</div>
        ) : !candles && !candlesMissing ? (
          <div className="chart chart-loading" style={{ height: 380 }} />
        ) : (
          <div className="state state-empty" data-testid="alert-chart-waiting">
            <span className="spinner" /> {t("alert.chartWaiting")}
          </div>
        )}
      </section>
      {a.deliveries && a.deliveries.length > 0 && <Deliveries deliveries={a.deliveries} locale={locale} />}
    </>
  );
}
