import { useMemo, useState, type FormEvent } from "react";
import { api, ApiError } from "../api/client";
import type { CandlePublic, CandleSeries, Page, PriceAlertPublic } from "../api/contract";
import detection from "../api/detection.json";
import { PRICE_ALERTS, API } from "../api/paths";
import { useAccountTimeZone } from "../app/accountZone";
import { Sparkline } from "../components/BarChart";
import { CandleChart } from "../components/CandleChart";
import { errorText, ResourceView } from "../components/States";
import { useI18n } from "../i18n";
import { aggregateBars, movingAverage, toBars } from "../lib/chartData";
import { exchangeMarketShort, formatDateTime, formatPrice } from "../lib/format";
import { allPages } from "../lib/pages";
import { useResource } from "../lib/useResource";

/** Timeframe (the server's `tf`: it aggregates the stored minutes) → bucket seconds and how much history to show. */
const TIMEFRAMES = {
  "1m": { seconds: 60, hours: 6 },
  "5m": { seconds: 300, hours: 24 },
  "15m": { seconds: 900, hours: 72 },
  "1h": { seconds: 3600, hours: 24 * 7 },
  "4h": { seconds: 14_400, hours: 24 * 30 },
  "1d": { seconds: 86_400, hours: 24 * 365 },
} as const;
type Timeframe = keyof typeof TIMEFRAMES;
const PAGE = 1000;
const MAX_PAGES = 5;

/** Candles of `tf` of a price alert's symbol since `fromMs` (pages come newest first). */
async function loadHistory(id: number, tf: Timeframe, fromMs: number, signal: AbortSignal): Promise<CandlePublic[]> {
  const out: CandlePublic[] = [];
  let cursor: string | null | undefined = undefined;
  for (let i = 0; i < MAX_PAGES; i++) {
    const page: CandleSeries = await api.get<CandleSeries>(PRICE_ALERTS.history(id), { signal, query: { tf, from_ms: fromMs, limit: PAGE, cursor } });
    out.push(...page.candles);
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  return out;
}

/** The last two hours of a row's price. */
function RowSparkline({ id }: { id: number }) {
  const history = useResource<CandlePublic[]>((signal) => api.get<CandleSeries>(PRICE_ALERTS.history(id), { signal, query: { limit: 120 } }).then((p) => p.candles), [id]);
  const values = useMemo(() => toBars(history.data ?? []).map((b) => b.close), [history.data]);
  return <Sparkline values={values} />;
}

export default function PriceAlertsPage() {
  const { t, locale } = useI18n();
  const timeZone = useAccountTimeZone();
  const [showDeleted, setShowDeleted] = useState(false);
  const [editing, setEditing] = useState<PriceAlertPublic | "new" | null>(null);
  const [selected, setSelected] = useState<PriceAlertPublic | null>(null);
  const [note, setNote] = useState<string | null>(null);
  // the API pages the list (50 by default, oldest first): load every page so none is hidden
  const list = useResource<PriceAlertPublic[]>(
    (signal) => allPages((page) => api.get<Page<PriceAlertPublic> | PriceAlertPublic[]>(API.priceAlerts, { signal, query: { include_deleted: showDeleted, ...page } })),
    [showDeleted],
  );

  async function act(fn: () => Promise<unknown>) {
    setNote(null);
    try {
      await fn();
    } catch (err) {
      setNote(errorText(t, err));
    }
    list.reload();
  }
  return (
    <div className="page">
      <div className="page-head">
        <h1>{t("price.title")}</h1>
        <div className="spacer" />
        <label className="toggle"><input type="checkbox" checked={showDeleted} onChange={(e) => setShowDeleted(e.target.checked)} data-testid="show-deleted" />{t("price.showDeleted")}</label>
        <button type="button" className="btn btn-primary btn-small" onClick={() => setEditing("new")} data-testid="add-price-alert">+ {t("price.add")}</button>
      </div>
      {note && <div className="note" role="status">{note}</div>}
      {editing && <PriceAlertForm key={editing === "new" ? "new" : editing.id} initial={editing === "new" ? null : editing} onDone={() => (setEditing(null), list.reload())} />}
      <ResourceView resource={list}>
        {(items) =>
          items.length === 0 ? (
            <div className="state state-empty">{t("price.none")}</div>
          ) : (
            <div className="table-wrap">
              <table className="table" data-testid="price-alerts">
                <thead>
                  <tr>
                    <th>{t("price.coin")}</th>
                    <th />
                    <th className="num">{t("price.current")}</th>
                    <th className="num">{t("price.min")}</th>
                    <th className="num">{t("price.max")}</th>
                    <th>{t("price.state")}</th>
                    <th>{t("price.lastTriggered")}</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {items.map((p) => (
                    <tr key={p.id} className={p.deleted_at ? "row-deleted" : selected?.id === p.id ? "row-selected" : ""} onClick={() => setSelected(p)}>
                      <td><b>{p.coin}</b> <span className="muted">{p.symbol} · {exchangeMarketShort(p.exchange, p.market)}</span></td>
                      <td>{!p.deleted_at && <RowSparkline id={p.id} />}</td>
                      <td className="num mono">{formatPrice(p.current_price, locale)}</td>
                      <td className="num mono">{formatPrice(p.min_price, locale)}</td>
                      <td className="num mono">{formatPrice(p.max_price, locale)}</td>
                      <td><span className={`status status-${p.state === "inside" ? "active" : "degraded"}`}>{t(`price.states.${p.state === "above" || p.state === "below" ? p.state : "inside"}`)}</span></td>
                      <td className="muted">{formatDateTime(p.last_triggered_at, locale, timeZone)}</td>
                      <td className="actions" onClick={(e) => e.stopPropagation()}>
                        {p.deleted_at ? (
                          <button type="button" className="btn btn-small" onClick={() => void act(() => api.post(PRICE_ALERTS.restore(p.id)))}>{t("price.restore")}</button>
                        ) : (
                          <>
                            <button type="button" className="btn btn-small btn-ghost" onClick={() => setEditing(p)}>{t("common.edit")}</button>
                            <button type="button" className="btn btn-small btn-ghost" onClick={() => void act(() => api.delete(PRICE_ALERTS.one(p.id)))}>{t("common.remove")}</button>
                          </>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </ResourceView>
      {selected && <History alert={selected} timeZone={timeZone} />}
    </div>
  );
}

/** Where the form shows a 422 reason about a body field: the box of the field, or the form itself. */
const FORM_FIELD: Record<string, "coin" | "feed" | "min" | "max"> = {
  coin: "coin",
  exchange: "feed",
  market: "feed",
  min_price: "min",
  max_price: "max",
};

function PriceAlertForm({ initial, onDone }: { initial: PriceAlertPublic | null; onDone: () => void }) {
  const { t } = useI18n();
  const [coin, setCoin] = useState(initial?.coin ?? "");
  const [feed, setFeed] = useState(initial ? `${initial.exchange}_${initial.market}` : "binance_spot");
  const [min, setMin] = useState(initial?.min_price != null ? String(initial.min_price) : "");
  const [max, setMax] = useState(initial?.max_price != null ? String(initial.max_price) : "");
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Partial<Record<"coin" | "feed" | "min" | "max", string>>>({});
  const [exchange, market] = feed.split("_");
  async function submit(e: FormEvent) {
    e.preventDefault();
    setFields({});
    setError(null);
    if (!min && !max) return setError(t("price.needBound"));
    if (min && max && Number(min) >= Number(max)) return setError(t("price.minBelowMax"));
    const body = { coin: coin.trim().toUpperCase(), exchange, market, min_price: min || null, max_price: max || null };
    try {
      if (initial) await api.patch(PRICE_ALERTS.one(initial.id), body);
      else await api.post(API.priceAlerts, body);
      onDone();
    } catch (err) {
      if (err instanceof ApiError && err.status === 422) {
        // the server's reasons (service.py, the schema's rules): next to the box they are about,
        // the others (the symbol, …) in the form
        const byBox: typeof fields = {};
        const rest: string[] = [];
        for (const [field, reason] of Object.entries(err.fieldErrors)) {
          const box = FORM_FIELD[field];
          if (box) byBox[box] = byBox[box] ? `${byBox[box]}; ${reason}` : reason;
          else rest.push(reason);
        }
        setFields(byBox);
        setError(rest.length ? rest.join("; ") : Object.keys(byBox).length ? null : err.message);
      } else {
        setError(err instanceof ApiError && err.notImplemented ? t("common.unavailableTitle") : errorText(t, err));
      }
    }
  }
  const fieldError = (box: keyof typeof fields) => (fields[box] ? <span className="field-error" data-testid={`price-alert-error-${box}`}>{fields[box]}</span> : null);
  return (
    <form className="form form-inline card" onSubmit={submit} data-testid="price-alert-form">
      <label>{t("price.coin")}<input name="coin" value={coin} onChange={(e) => setCoin(e.target.value)} required maxLength={32} placeholder="BTC" aria-invalid={fields.coin ? true : undefined} />{fieldError("coin")}</label>
      <label>
        {t("price.feed")}
        <select value={feed} onChange={(e) => setFeed(e.target.value)} aria-invalid={fields.feed ? true : undefined}>
          {detection.exchanges.flatMap((ex) => detection.markets.map((m) => <option key={`${ex}_${m}`} value={`${ex}_${m}`}>{exchangeMarketShort(ex, m)}</option>))}
        </select>
        {fieldError("feed")}
      </label>
      <label>{t("price.min")}<input name="min" value={min} onChange={(e) => setMin(e.target.value.replace(",", "."))} inputMode="decimal" aria-invalid={fields.min ? true : undefined} />{fieldError("min")}</label>
      <label>{t("price.max")}<input name="max" value={max} onChange={(e) => setMax(e.target.value.replace(",", "."))} inputMode="decimal" aria-invalid={fields.max ? true : undefined} />{fieldError("max")}</label>
      {error && <div className="form-error">{error}</div>}
      <div className="row-wrap">
        <button type="submit" className="btn btn-primary btn-small">{initial ? t("common.save") : t("common.add")}</button>
        <button type="button" className="btn btn-ghost btn-small" onClick={onDone}>{t("common.cancel")}</button>
      </div>
    </form>
  );
}

/** The file name of a `Content-Disposition: attachment; filename="…"` header. */
function csvName(disposition: string | null): string | null {
  const m = disposition ? /filename="?([^";]+)"?/i.exec(disposition) : null;
  return m ? m[1]! : null;
}

function History({ alert, timeZone }: { alert: PriceAlertPublic; timeZone?: string }) {
  const { t } = useI18n();
  const [tf, setTf] = useState<Timeframe>("5m");
  const [ma, setMa] = useState(20);
  const [note, setNote] = useState<string | null>(null);
  // the range shown, from when the timeframe was chosen (the CSV exports the same candles)
  const fromMs = useMemo(() => Date.now() - TIMEFRAMES[tf].hours * 3_600_000, [tf]);
  // the answer names what it is of: until the next one comes, the chart keeps showing the last
  const history = useResource<{ id: number; tf: Timeframe; candles: CandlePublic[] }>(
    (signal) => loadHistory(alert.id, tf, fromMs, signal).then((candles) => ({ id: alert.id, tf, candles })),
    [alert.id, tf, fromMs],
  );
  const loaded = history.data;
  // a server that ignores `tf` sends minutes: bucket them here (a no-op for aggregated candles)
  const bars = useMemo(() => (loaded ? aggregateBars(toBars(loaded.candles), TIMEFRAMES[loaded.tf].seconds) : []), [loaded]);
  async function exportCsv() {
    setNote(null);
    try {
      const response = await api.get<Response>(PRICE_ALERTS.csv(alert.id), { raw: true, headers: { Accept: "text/csv" }, query: { tf, from_ms: fromMs } });
      const url = URL.createObjectURL(await response.blob());
      const a = document.createElement("a");
      a.href = url;
      a.download = csvName(response.headers.get("Content-Disposition")) ?? `${alert.exchange}-${alert.market}-${alert.symbol}-${tf}.csv`;
      a.click();
      URL.revokeObjectURL(url);
    } catch (err) {
      setNote(errorText(t, err));
    }
  }
  const line = useMemo(() => {
    const avg = movingAverage(bars.map((b) => b.close), ma);
    return bars.flatMap((b, i) => (avg[i] === null ? [] : [{ time: b.time, value: avg[i]! }]));
  }, [bars, ma]);
  return (
    <section className="panel" data-testid="price-history">
      <div className="page-head">
        <h2>{alert.coin} · {t("price.history")}</h2>
        <div className="seg">
          {(Object.keys(TIMEFRAMES) as Timeframe[]).map((x) => (
            <button key={x} type="button" className={tf === x ? "seg-on" : ""} aria-pressed={tf === x} onClick={() => setTf(x)} data-testid={`tf-${x}`}>{x}</button>
          ))}
        </div>
        <label className="inline">{t("price.ma")}<input type="number" className="num" min={2} max={200} value={ma} data-testid="price-ma" onChange={(e) => setMa(Math.max(2, Math.min(200, Number(e.target.value) || 20)))} /></label>
        <div className="spacer" />
        <button type="button" className="btn btn-small" onClick={() => void exportCsv()} data-testid="price-csv">{t("price.exportCsv")}</button>
      </div>
      {note && <div className="note">{note}</div>}
      <ResourceView resource={history}>
        {() => (bars.length ? <CandleChart bars={bars} line={line} seconds={false} height={320} timeZone={timeZone} seriesKey={loaded ? `${loaded.id}/${loaded.tf}` : ""} /> : <div className="state state-empty">{t("alert.noCandles")}</div>)}
      </ResourceView>
    </section>
  );
}
