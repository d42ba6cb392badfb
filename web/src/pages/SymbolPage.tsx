import { useEffect, useMemo, useRef } from "react";
import { Link, useParams } from "react-router-dom";
import { api } from "../api/client";
import type { CandlePublic } from "../api/contract";
import { API } from "../api/paths";
import { useAccountTimeZone } from "../app/accountZone";
import { useLive } from "../app/live";
import { useLiveSymbolCandles } from "../app/useLiveCandles";
import { CandleChart } from "../components/CandleChart";
import { ErrorBox, Unavailable } from "../components/States";
import { useI18n } from "../i18n";
import { liveMinuteCandles, toBars, toVolume, withLiveMinutes } from "../lib/chartData";
import { exchangeName } from "../lib/format";
import { useResource } from "../lib/useResource";

const HISTORY_S = 15 * 60;

/**
 * A live chart of one symbol: the recent 1-minute history over REST continued by the stream's
 * 1-second candles folded into minutes (the newest minute forming second by second). Without
 * history (none stored, or an older server) the live 1-second candles alone. Never both sizes at once.
 */
export default function SymbolPage() {
  const { feed = "", symbol = "" } = useParams();
  const { t } = useI18n();
  const { streamState } = useLive();
  const timeZone = useAccountTimeZone();
  const [exchange, market] = feed.split("_");
  const history = useResource<{ candles: CandlePublic[] }>(
    (signal) => {
      const to = Date.now();
      return api.get(API.candles, { signal, query: { exchange, market, symbol, tf: "1m", from_ms: to - HISTORY_S * 1000, to_ms: to } });
    },
    [feed, symbol],
  );
  const live = useLiveSymbolCandles(feed, symbol);
  const stored = history.data?.candles;
  const minutes = stored !== undefined && stored.length > 0;
  const liveMinutes = useMemo(() => liveMinuteCandles(live.minutes), [live.minutes]);
  const all = useMemo(() => (minutes ? withLiveMinutes(stored, liveMinutes) : live.seconds), [minutes, stored, liveMinutes, live.seconds]);
  useStoredFirstMinute(minutes ? stored : undefined, liveMinutes[0]?.t, history.reload);
  const bars = useMemo(() => toBars(all), [all]);
  const volume = useMemo(() => toVolume(all), [all]);
  return (
    <div className="page">
      <div className="page-head">
        <Link to="/markets" className="btn btn-ghost btn-small">← {t("nav.markets")}</Link>
        <h1>
          {symbol} <span className="muted">{exchangeName(exchange ?? "")} {market ? t(`market.${market === "futures" ? "futures" : "spot"}`) : ""}</span>
        </h1>
      </div>
      {bars.length > 0 ? (
        <CandleChart bars={bars} volume={volume} height={460} timeZone={timeZone} seconds={!minutes} seriesKey={`${feed}/${symbol}/${minutes ? "history" : "live"}`} />
      ) : history.missing && streamState !== "open" ? (
        <Unavailable what={t("markets.chartUnavailable")} />
      ) : history.error && !history.missing ? (
        <ErrorBox error={history.error} onRetry={history.reload} />
      ) : (
        <div className="chart chart-loading" style={{ height: 460 }} />
      )}
      {history.missing && streamState === "open" && <p className="muted small">{t("markets.liveOnly")}</p>}
    </div>
  );
}

/** How long after a minute's end its stored candle is asked for (the collector writes minutes every few seconds). */
const STORED_AFTER_MS = 10_000;
const STORED_TRIES = 3;

/**
 * The first live minute holds only the seconds since the page opened (its open, high, low and volume
 * are not the minute's): once that minute has ended, the history is fetched again, so the stored, whole
 * minute replaces it (`withLiveMinutes` prefers stored minutes). A few tries at most.
 */
function useStoredFirstMinute(stored: readonly CandlePublic[] | undefined, firstLive: number | string | undefined, reload: () => void) {
  const tries = useRef<{ minute: number; count: number }>({ minute: NaN, count: 0 });
  const minute = firstLive === undefined ? NaN : Number(firstLive);
  const has = stored?.some((c) => Number(c.t) === minute) ?? true;
  useEffect(() => {
    if (has || Number.isNaN(minute)) return;
    if (tries.current.minute !== minute) tries.current = { minute, count: 0 };
    if (tries.current.count >= STORED_TRIES) return;
    const wait = Math.max(minute + 60_000 + STORED_AFTER_MS - Date.now(), 0) + tries.current.count * STORED_AFTER_MS;
    const timer = setTimeout(() => {
      tries.current.count += 1;
      reload();
    }, wait);
    return () => clearTimeout(timer);
  }, [has, minute, stored, reload]);
}
