import { useEffect, useMemo, useRef, useState } from "react";
import { Link, useLocation, useParams } from "react-router-dom";
import { capabilities } from "../api/capabilities";
import { api } from "../api/client";
import type { AlertCandles, AlertPublic, DeliveryPublic } from "../api/contract";
import { API } from "../api/paths";
import { useAccountTimeZone } from "../app/accountZone";
import { useLiveCandles } from "../app/useLiveCandles";
import { CandleChart } from "../components/CandleChart";
import { ResourceView } from "../components/States";
import { useI18n } from "../i18n";
import { alertChartSource, spikeMarker, toBars, toVolume } from "../lib/chartData";
import { displaySymbol, exchangeName, formatDateTime, formatDelta, formatPct, formatPrice, formatUsdCompact } from "../lib/format";
import { BAND_ICON, bandCrossedKey, bandEdge, priceBandKind } from "../lib/priceBand";
import { chartLink } from "../lib/template";
import { useResource } from "../lib/useResource";

export default function AlertPage() {
  const { id } = useParams();
  const alertId = Number(id);
  const location = useLocation();
  const { t, locale } = useI18n();
  const timeZone = useAccountTimeZone(); // the settings' zone, as in the Telegram message
  const passed = (location.state as { alert?: AlertPublic } | null)?.alert;
  // the row the feed passed shows at once; the server's copy adds the deliveries
  const rest = useResource<AlertPublic>((signal) => api.get<AlertPublic>(`${API.alerts}/${alertId}`, { signal }), [alertId]);
  // opening the alert is seeing it: the browser delivery shows "seen" (the answer is the alert)
  const [readCopy, setReadCopy] = useState<AlertPublic>();
  useEffect(() => {
    const controller = new AbortController();
    api
      .post<AlertPublic>(API.alertRead(alertId), undefined, { signal: controller.signal })
      .then((read) => {
        if (!controller.signal.aborted) setReadCopy(read);
      })
      .catch(() => undefined); // not found, or an old server: the page says so from the GET
    return () => controller.abort();
  }, [alertId]);
  const shown = (readCopy?.id === alertId ? readCopy : undefined) ?? rest.data ?? (passed && passed.id === alertId ? passed : undefined);
  const alert = { ...rest, data: shown, missing: rest.missing && !shown, error: shown ? undefined : rest.error };
  // the server answers with the 1-second candles it stored around the spike (interval_s 1) while
  // it keeps them, else with 1-minute history: ten minutes either side
  const candles = useResource<AlertCandles>((signal) => api.get<AlertCandles>(API.alertCandles(alertId), { signal, query: { before_min: 10, after_min: 10 } }), [alertId]);

  return (
    <div className="page">
      <div className="page-head">
        <Link to="/live" className="btn btn-ghost btn-small">← {t("alert.back")}</Link>
      </div>
      <ResourceView resource={alert}>
        {(a) => <AlertDetails key={a.id} alert={a} candles={candles.data} candlesMissing={candles.missing} candlesError={candles.error} reloadCandles={candles.reload} locale={locale} timeZone={timeZone} />}
      </ResourceView>
    </div>
  );
}

function Deliveries({ deliveries, locale, timeZone }: { deliveries: DeliveryPublic[]; locale: string; timeZone?: string }) {
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
              <td className="muted">{formatDateTime(d.sent_at, locale, timeZone)}</td>
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
/** The stored 1-second window ends 30 s after the spike; asked again once it has (a little later). */
export const WINDOW_DONE_MS = 35_000;
/** An alert younger than this continues its stored 1-second candles with live ones. */
export const FRESH_MS = 10 * 60_000;
/** A fresh alert answered with 1-minute history is asked again after this once: its 1-second
 * window is written a moment after the alert itself. */
export const SECONDS_RETRY_MS = 2_000;

function AlertDetails({ alert: a, candles, candlesMissing, candlesError, reloadCandles, locale, timeZone }: { alert: AlertPublic; timeZone?: string; candles?: AlertCandles; candlesMissing: boolean; candlesError: unknown; reloadCandles: () => void; locale: string }) {
  const { t } = useI18n();
  // a price that left a price alert's band (not a spike: delta_pct is only the distance past the edge)
  const band = priceBandKind(a);
  const crossed = band ? t(bandCrossedKey(band), { edge: bandEdge(a.rule, locale) }) : null;
  const seconds = candles?.interval_s === 1 && candles.candles.length > 0;
  const [fresh] = useState(() => Date.now() - a.ts_ms < FRESH_MS);
  // nothing stored (the 1-minute history is written per minute): live 1-second candles meanwhile;
  // a fresh alert's stored seconds go on live
  const storedEmpty = candlesMissing || (candles !== undefined && candles.candles.length === 0);
  const live = useLiveCandles(`${a.exchange}_${a.market}`, a.symbol, storedEmpty || (seconds && fresh));
  const source = useMemo(() => {
    if (seconds && candles) return { mode: "stored" as const, candles: fresh ? candles.candles.concat(live) : candles.candles };
    return alertChartSource(candles?.candles, live);
  }, [candles, live, seconds, fresh]);
  useEffect(() => {
    if (!storedEmpty || candlesMissing) return;
    const id = setInterval(reloadCandles, STORED_RETRY_MS);
    return () => clearInterval(id);
  }, [storedEmpty, candlesMissing, reloadCandles]);
  // the stored window grows for 30 s after the spike: read it whole once it is complete
  useEffect(() => {
    if (!seconds) return;
    const wait = a.ts_ms + WINDOW_DONE_MS - Date.now();
    if (wait <= 0) return;
    const id = setTimeout(reloadCandles, wait);
    return () => clearTimeout(id);
  }, [seconds, a.ts_ms, reloadCandles]);
  const retried = useRef(false);
  useEffect(() => {
    if (seconds || !fresh || !candles || candles.candles.length === 0 || retried.current) return;
    retried.current = true;
    const id = setTimeout(reloadCandles, SECONDS_RETRY_MS);
    return () => clearTimeout(id);
  }, [seconds, fresh, candles, reloadCandles]);
  const bars = useMemo(() => toBars(source.candles), [source]);
  const volume = useMemo(() => toVolume(source.candles), [source]);
  const markers = useMemo(() => {
    const text = band ? `${BAND_ICON} ${formatPrice(a.price, locale)}` : formatDelta(a.delta_pct, a.direction, locale);
    const m = spikeMarker(a, bars, text, source.mode === "live" ? MARK_WITHIN_S : Infinity);
    return m ? [m] : [];
  }, [a, band, bars, locale, source.mode]);
  const priceLine = useMemo(() => ({ price: Number(a.price), title: t("alert.alertPrice") }), [a.price, t]);
  return (
    <>
      {band ? (
        <h1 className={a.direction === "up" ? "up" : "down"} data-testid="alert-title" data-kind={band}>
          {BAND_ICON} {displaySymbol(a.symbol, a.base, a.quote)} <span>{crossed}</span> <span className="muted">·</span> <span className="mono">{formatPrice(a.price, locale)}</span>
        </h1>
      ) : (
        <h1 className={a.direction === "up" ? "up" : "down"} data-testid="alert-title">
          {displaySymbol(a.symbol, a.base, a.quote)} <span className="mono">{formatDelta(a.delta_pct, a.direction, locale)}</span>
        </h1>
      )}
      <dl className="facts">
        <div><dt>{t("alert.venue")}</dt><dd>{exchangeName(a.exchange)} {t(`market.${a.market === "futures" ? "futures" : "spot"}`)}</dd></div>
        <div><dt>{t("alert.time")}</dt><dd className="mono">{formatDateTime(a.ts_ms, locale, timeZone)}</dd></div>
        <div><dt>{t("alert.price")}</dt><dd className="mono">{formatPrice(a.price, locale)}</dd></div>
        {/* a band crossing has no wick, volume or window of its own */}
        {!band && <div><dt>{t("alert.wick")}</dt><dd className="mono">{formatPct(a.wick_pct, locale)}</dd></div>}
        {!band && <div><dt>{t("alert.volume")}</dt><dd className="mono">{formatUsdCompact(a.volume_usd, locale)}</dd></div>}
        {!band && <div><dt>{t("alert.window")}</dt><dd>{t("alert.windowS", { count: a.window_s })}</dd></div>}
        <div><dt>{t("alert.rule")}</dt><dd>{crossed ?? a.strategy ?? a.rule}</dd></div>
        {a.series_count > 1 && <div><dt>{t("alert.series")}</dt><dd>{a.series_count}</dd></div>}
        {a.seen !== undefined && (
          <div>
            <dt>{t("alert.seen")}</dt>
            <dd data-testid="alert-seen" className={a.seen ? "mono" : "muted"}>{a.seen ? formatDateTime(a.read_at, locale, timeZone) : t("alert.notSeen")}</dd>
          </div>
        )}
      </dl>
      <p>
        <Link to={`/markets/${a.exchange}_${a.market}/${encodeURIComponent(a.symbol)}`} data-testid="live-chart-link">{t("alert.liveChart")} →</Link>
        {" · "}
        <a href={chartLink(a.exchange, a.market, a.symbol, a.base, a.quote)} target="_blank" rel="noopener noreferrer">{t("alert.onExchange", { exchange: exchangeName(a.exchange) })} ↗</a>
      </p>
      <section className="panel" data-testid="alert-chart">
        <h2>{band ? t("alert.band.chart") : source.mode === "stored" && !seconds ? t("alert.chartMinutes") : t("alert.chart")}</h2>
        {source.mode === "stored" ? (
          <>
            {seconds ? (
              <p className="muted small" data-testid="alert-chart-seconds">{fresh ? t("alert.chartSecondsLive") : t("alert.chartSeconds")}</p>
            ) : fresh || band ? null : (
              <p className="muted small" data-testid="alert-chart-minutes">{t("alert.chartMinutesWhy")}</p>
            )}
            <CandleChart bars={bars} volume={volume} markers={markers} priceLine={priceLine} seconds={seconds} timeZone={timeZone} seriesKey={`${a.id}/stored/${candles?.interval_s ?? ""}`} />
          </>
        ) : source.mode === "live" ? (
          <>
            <p className="muted small" data-testid="alert-chart-live">{t("alert.chartLive")}</p>
            <CandleChart bars={bars} volume={volume} markers={markers} priceLine={priceLine} seconds timeZone={timeZone} seriesKey={`${a.id}/live`} />
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
      {a.deliveries && a.deliveries.length > 0 && <Deliveries deliveries={a.deliveries} locale={locale} timeZone={timeZone} />}
    </>
  );
}
