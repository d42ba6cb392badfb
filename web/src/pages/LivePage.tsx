import { useVirtualizer } from "@tanstack/react-virtual";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useNavigate, useSearchParams } from "react-router-dom";
import type { AlertPublic } from "../api/contract";
import { useAccountTimeZone } from "../app/accountZone";
import { useLive } from "../app/live";
import { AlertRow, ROW_HEIGHT } from "../components/AlertRow";
import { FeedFiltersBar } from "../components/FeedFilters";
import { Unavailable } from "../components/States";
import { useI18n } from "../i18n";
import { useAttention } from "../lib/useAttention";
import { filterAlerts, filtersActive, filtersFromQuery, filtersToQuery, lastAlertId, seenOnScreen, type FeedFilters } from "../live/feed";

export function LivePage() {
  const { t, locale } = useI18n();
  const live = useLive();
  const timeZone = useAccountTimeZone(); // the settings' zone, as in the Telegram messages
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => filtersFromQuery(params), [params]);
  const setFilters = useCallback((f: FeedFilters) => setParams(filtersToQuery(f), { replace: true }), [setParams]);
  const visible = useMemo(() => filterAlerts(live.feed.alerts, filters), [live.feed.alerts, filters]);
  const scrollRef = useRef<HTMLDivElement>(null);
  const [now, setNow] = useState(Date.now());

  const virtualizer = useVirtualizer({
    count: visible.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    getItemKey: (i) => visible[i]!.id,
  });

  // What the user looks at counts as seen (marked read on the server, live/seen.ts merges the asks).
  const attentive = useAttention();
  const rows = virtualizer.getVirtualItems(); // also computes virtualizer.range (the rows on screen, without overscan)
  const atTop = (virtualizer.scrollOffset ?? 0) < ROW_HEIGHT;
  const filtered = filtersActive(filters);
  const seen = attentive ? seenOnScreen(live.feed, visible, filtered, atTop, virtualizer.range) : null;
  const seenKey = seen === null ? "" : "upToId" in seen ? `<=${seen.upToId}` : seen.ids.join(",");
  const { markSeen } = live;
  const seenRef = useRef(seen);
  seenRef.current = seen;
  useEffect(() => {
    if (seenRef.current) markSeen(seenRef.current);
  }, [seenKey, markSeen]);
  // everything, including what the filters hide
  const markAllSeen = () => {
    const newest = lastAlertId(live.feed);
    if (newest !== null) markSeen({ upToId: newest });
  };
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, []);

  // re-render rows only when the day changes, not every second
  const dayStart = useMemo(() => Math.floor(now / 3_600_000) * 3_600_000, [now]);

  const open = useCallback((a: AlertPublic) => navigate(`/alerts/${a.id}`, { state: { alert: a } }), [navigate]);

  async function toggleDesktop() {
    if (!live.prefs.desktop && typeof Notification !== "undefined" && Notification.permission !== "granted") {
      const answer = await Notification.requestPermission();
      if (answer !== "granted") return;
    }
    live.setPrefs({ ...live.prefs, desktop: !live.prefs.desktop });
  }

  const total = live.feed.alerts.length;
  let emptyText: string = t("live.emptyWaiting");
  if (total > 0) emptyText = t("live.emptyFiltered");
  else if (live.streamState !== "open" && live.history === "missing") emptyText = "";

  return (
    <div className="page page-live">
      <div className="page-head">
        <h1>{t("live.title")}</h1>
        <span className="muted" data-testid="feed-count">
          {t("live.count", { count: visible.length, total })}
        </span>
        <div className="spacer" />
        {/* not while the whole feed is marked read by itself (it would flicker with every new alert) */}
        {live.feed.unseen > 0 && !(attentive && atTop && !filtered) && (
          <button type="button" className="btn btn-ghost btn-small" onClick={() => markAllSeen()} data-testid="mark-all-seen">
            {t("live.markAllSeen", { count: live.feed.unseen })}
          </button>
        )}
        <label className="toggle">
          <input type="checkbox" checked={live.prefs.sound} onChange={() => live.setPrefs({ ...live.prefs, sound: !live.prefs.sound })} />
          {t("live.sound")}
        </label>
        <label className="toggle">
          <input type="checkbox" checked={live.prefs.desktop} onChange={() => void toggleDesktop()} />
          {t("live.desktop")}
        </label>
      </div>
      <FeedFiltersBar value={filters} onChange={setFilters} />
      <div className="feed" role="table" aria-label={t("live.title")} aria-rowcount={visible.length}>
        <div className="feed-row feed-head" role="row">
          <span role="columnheader" className="c-time">{t("live.col.time")}</span>
          <span role="columnheader" className="c-venue">{t("live.col.venue")}</span>
          <span role="columnheader" className="c-symbol">{t("live.col.symbol")}</span>
          <span role="columnheader" className="c-delta">{t("live.col.delta")}</span>
          <span role="columnheader" className="c-wick">{t("live.col.wick")}</span>
          <span role="columnheader" className="c-vol">{t("live.col.volume")}</span>
          <span role="columnheader" className="c-price">{t("live.col.price")}</span>
          <span role="columnheader" className="c-rule">{t("live.col.rule")}</span>
        </div>
        <div className="feed-body" ref={scrollRef} data-testid="feed-body">
          {visible.length === 0 ? (
            live.streamState !== "open" && live.history === "missing" ? (
              <Unavailable what={t("live.noSource")} />
            ) : (
              <div className="state state-empty" data-testid="feed-empty">{emptyText}</div>
            )
          ) : (
            <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
              {rows.map((item) => {
                const alert = visible[item.index]!;
                return (
                  <AlertRow
                    key={item.key}
                    alert={alert}
                    locale={locale}
                    timeZone={timeZone}
                    fresh={item.index < 30 && now - alert.ts_ms < 4000}
                    now={dayStart}
                    onOpen={open}
                    style={{ position: "absolute", top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}
                  />
                );
              })}
            </div>
          )}
        </div>
      </div>
    </div>
  );
}
