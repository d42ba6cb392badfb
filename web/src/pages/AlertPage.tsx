import { useMemo } from "react";
import { Link, useLocation, useParams } from "react-router-dom";
import { api } from "../api/client";
import type { AlertCandles, AlertPublic, DeliveryPublic } from "../api/contract";
import { API } from "../api/paths";
import { CandleChart } from "../components/CandleChart";
import { ResourceView } from "../components/States";
import { useI18n } from "../i18n";
import { spikeMarker, toBars, toVolume } from "../lib/chartData";
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
        {(a) => <AlertDetails alert={a} candles={candles.data} candlesMissing={candles.missing} candlesError={candles.error} locale={locale} />}
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

function AlertDetails({ alert: a, candles, candlesMissing, candlesError, locale }: { alert: AlertPublic; candles?: AlertCandles; candlesMissing: boolean; candlesError: unknown; locale: string }) {
  const { t } = useI18n();
  const bars = useMemo(() => toBars(candles?.candles ?? []), [candles]);
  const volume = useMemo(() => toVolume(candles?.candles ?? []), [candles]);
  const markers = useMemo(() => {
    const m = spikeMarker(a, bars, formatDelta(a.delta_pct, a.direction, locale));
    return m ? [m] : [];
  }, [a, bars, locale]);
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
        {candlesMissing ? (
          <div className="state state-unavailable">{t("alert.chartUnavailable")}</div>
        ) : candlesError && !candles ? (
          <div className="state state-error">{t("alert.chartError")}</div>
        ) : !candles ? (
          <div className="chart chart-loading" style={{ height: 380 }} />
        ) : bars.length === 0 ? (
          <div className="state state-empty">{t("alert.noCandles")}</div>
        ) : (
          <CandleChart bars={bars} volume={volume} markers={markers} priceLine={{ price: Number(a.price), title: t("alert.alertPrice") }} seconds={(candles.interval_s ?? 1) < 60} />
        )}
      </section>
      {a.deliveries && a.deliveries.length > 0 && <Deliveries deliveries={a.deliveries} locale={locale} />}
    </>
  );
}
