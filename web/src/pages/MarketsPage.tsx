import { useEffect, useMemo, useState, type ReactNode } from "react";
import { Link } from "react-router-dom";
import { capabilities } from "../api/capabilities";
import { api } from "../api/client";
import { itemsOf, type MarketStatus, type Page, type SymbolPublic } from "../api/contract";
import { API } from "../api/paths";
import { stream, useLive } from "../app/live";
import { ErrorBox, Loading, Unavailable } from "../components/States";
import { useI18n } from "../i18n";
import { exchangeName, formatAgo, formatInt, formatLag, formatRate } from "../lib/format";
import { health, mergeStatus, searchResults } from "../lib/markets";
import { useResource } from "../lib/useResource";

export default function MarketsPage() {
  const { t, locale } = useI18n();
  const { streamState } = useLive();
  // REST gives the table at once; the stream's "markets" topic keeps it current (and is enough
  // on its own: the server sends the newest row of every feed when the topic is subscribed)
  const markets = useResource<MarketStatus[]>(async (signal) => itemsOf(await api.get<Page<MarketStatus> | MarketStatus[]>(API.markets, { signal })), []);
  const [rows, setRows] = useState<MarketStatus[]>([]);
  const [now, setNow] = useState(Date.now());

  useEffect(() => {
    if (markets.data) setRows((prev) => markets.data!.reduce(mergeStatus, prev));
  }, [markets.data]);
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, []);
  useEffect(
    () =>
      stream.subscribe("markets", (m) => {
        const update = m.data as MarketStatus | undefined;
        if (update?.exchange && update.market) setRows((prev) => mergeStatus(prev, update));
      }),
    [],
  );

  let body: ReactNode;
  if (rows.length > 0) body = <MarketsTable rows={rows} now={now} locale={locale} />;
  else if (markets.missing && streamState !== "open") body = <Unavailable />;
  else if (markets.error && !markets.missing) body = <ErrorBox error={markets.error} onRetry={markets.reload} />;
  else body = <Loading />;

  return (
    <div className="page">
      <div className="page-head">
        <h1>{t("markets.title")}</h1>
        <div className="spacer" />
        <SymbolSearch />
      </div>
      {body}
    </div>
  );
}

function MarketsTable({ rows, now, locale }: { rows: MarketStatus[]; now: number; locale: string }) {
  const { t } = useI18n();
  return (
    <div className="table-wrap">
      <table className="table" data-testid="markets-table">
        <thead>
          <tr>
            <th>{t("markets.feed")}</th>
            <th>{t("markets.status")}</th>
            <th className="num">{t("markets.connections")}</th>
            <th className="num">{t("markets.symbols")}</th>
            <th className="num">{t("markets.tradesPerS")}</th>
            <th className="num">{t("markets.candlesPerS")}</th>
            <th className="num">{t("markets.lag")}</th>
            <th className="num">{t("markets.reconnects")}</th>
            <th>{t("markets.updated")}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const h = health(r.status);
            return (
              <tr key={`${r.exchange}_${r.market}`}>
                <td>
                  {exchangeName(r.exchange)} <span className="muted">{t(`market.${r.market === "futures" ? "futures" : "spot"}`)}</span>
                </td>
                <td>
                  <span className={`status status-${h}`}>{t(`markets.health.${h}`)}</span>
                  {r.reason && h !== "active" && <div className="muted small">{r.reason}</div>}
                </td>
                <td className="num mono">
                  {r.connections_up}/{r.connections_total}
                </td>
                <td className="num mono">{formatInt(r.symbols, locale)}</td>
                <td className="num mono">{formatRate(r.trades_per_s, locale)}</td>
                <td className="num mono">{formatRate(r.candles_per_s, locale)}</td>
                <td className="num mono" title={`p99 ${formatLag(r.lag_p99_ms, locale)}`}>{formatLag(r.lag_p50_ms, locale)}</td>
                <td className="num mono">{formatInt(r.reconnects, locale)}</td>
                <td className="muted">{r.updated_at ? formatAgo(Date.parse(r.updated_at), now, locale) : "—"}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** How long typing pauses before the search asks the server. */
export const SEARCH_DEBOUNCE_MS = 250;

/**
 * Symbol search opening a live chart. The answer is tagged with the query it answers
 * (`data-query`) and a changed query clears it at once, so a slow answer to an earlier query is
 * never shown (or clicked) as the answer to the current one.
 */
export function SymbolSearch() {
  const { t } = useI18n();
  const { feed } = useLive();
  const [q, setQ] = useState("");
  const [answer, setAnswer] = useState<{ query: string; server: SymbolPublic[] } | null>(null);
  const [missing, setMissing] = useState(!capabilities.serves(API.symbols));
  const query = q.trim();
  useEffect(() => {
    setAnswer(null);
    if (query.length < 2) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      if (missing) return setAnswer({ query, server: [] });
      api
        .get<Page<SymbolPublic> | SymbolPublic[]>(API.symbols, { query: { q: query, limit: 20 }, signal: controller.signal })
        .then((a) => {
          if (!controller.signal.aborted) setAnswer({ query, server: itemsOf(a) });
        })
        .catch((err: unknown) => {
          if (controller.signal.aborted) return;
          if ((err as { notImplemented?: boolean }).notImplemented) setMissing(true);
          setAnswer({ query, server: [] });
        });
    }, SEARCH_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [query, missing]);
  const results = useMemo(() => (answer ? searchResults(answer.query, answer.server, feed.alerts) : null), [answer, feed.alerts]);
  return (
    <div className="search-box">
      <input type="search" className="search" placeholder={t("markets.searchSymbol")} value={q} onChange={(e) => setQ(e.target.value)} aria-label={t("markets.searchSymbol")} data-testid="symbol-search" />
      {query.length >= 2 && (
        <div className="search-pop" role="listbox" data-testid="symbol-results" data-query={answer?.query ?? ""} aria-busy={!answer}>
          {!results ? (
            <div className="muted small pad">{t("common.loading")}</div>
          ) : results.length === 0 ? (
            <div className="muted small pad">{missing ? t("common.unavailableTitle") : t("common.nothingFound")}</div>
          ) : (
            results.map((s) => (
              <Link key={`${s.exchange}_${s.market}:${s.symbol}`} role="option" aria-selected={false} to={`/markets/${s.exchange}_${s.market}/${encodeURIComponent(s.symbol)}`} data-symbol={s.symbol} data-feed={`${s.exchange}_${s.market}`}>
                <b>{s.symbol}</b> <span className="muted">{exchangeName(s.exchange)} {t(`market.${s.market === "futures" ? "futures" : "spot"}`)}</span>
              </Link>
            ))
          )}
        </div>
      )}
    </div>
  );
}
