// The live layer shared by every page: one StreamClient while signed in, the alert feed it fills
// (plus the REST history and the gap-fill after reconnects, alertGap.ts), which alerts the user
// has seen (kept in step with the server, live/seen.ts), and the optional sound / desktop
// notification for new alerts.

import { createContext, useCallback, useContext, useEffect, useMemo, useReducer, useRef, useState, type ReactNode } from "react";
import { capabilities } from "../api/capabilities";
import { api, ApiError } from "../api/client";
import { itemsOf, type AlertPublic, type Page } from "../api/contract";
import { API } from "../api/paths";
import { emptyFeed, feedReducer, lastAlertId, type FeedAction, type FeedState } from "../live/feed";
import { SeenSync } from "../live/seen";
import { defaultStreamUrl, StreamClient, type StreamState } from "../live/stream";
import { useI18n } from "../i18n";
import { backoffDelay, type BackoffOptions } from "../lib/backoff";
import { fetchAlertsAfter } from "./alertGap";
import { useAuth } from "./auth";
import { notifyAlert, type NotifyPrefs, loadNotifyPrefs, saveNotifyPrefs } from "./notify";

export const stream = new StreamClient({
  url: defaultStreamUrl,
  getToken: () => api.freshAccessToken(),
  refreshToken: () => api.refresh(),
});

/** Whether GET /api/v1/alerts exists on this server: unknown until the first answer. */
export type HistoryState = "unknown" | "available" | "missing" | "error";

export interface Live {
  feed: FeedState;
  streamState: StreamState;
  nextRetryAt: number | null;
  history: HistoryState;
  /** The user has seen these alerts (everything up to `upToId`, or single rows): marked read on the server. */
  markSeen: (seen: { upToId?: number; ids?: readonly number[] }) => void;
  clear: () => void;
  prefs: NotifyPrefs;
  setPrefs: (p: NotifyPrefs) => void;
}

/** Exported for tests, which provide a feed of their own. */
export const LiveContext = createContext<Live | null>(null);
const Ctx = LiveContext;
const POLL_MS = 5000;
/** Polls after failed ones: waits growing from POLL_MS (a restarting API is not hammered). */
const POLL_BACKOFF: BackoffOptions = { baseMs: POLL_MS, capMs: 60_000 };
const BATCH_MS = 100;
/** At most one "which are still unread?" request per this long (tab switches are frequent). */
const SYNC_EVERY_MS = 30_000;

export function LiveProvider({ children }: { children: ReactNode }) {
  const { user } = useAuth();
  // The live layer follows the account, not the user object: a silent token refresh (every
  // 15 min) hands over a new one, and rebuilding would drop the pending read mark and the
  // alerts batch and download the feed again.
  const userId = user?.id ?? null;
  const [feed, dispatch] = useReducer(feedReducer as (s: FeedState, a: FeedAction) => FeedState, emptyFeed);
  const seenRef = useRef<SeenSync | null>(null);
  const [streamState, setStreamState] = useState<StreamState>(stream.getState());
  const [nextRetryAt, setNextRetryAt] = useState<number | null>(null);
  const [history, setHistory] = useState<HistoryState>("unknown");
  const [prefs, setPrefsState] = useState<NotifyPrefs>(loadNotifyPrefs);
  const feedRef = useRef(feed);
  feedRef.current = feed;
  const prefsRef = useRef(prefs);
  prefsRef.current = prefs;
  const { locale } = useI18n();
  const localeRef = useRef(locale);
  localeRef.current = locale;
  /**
   * The signed-in session the live layer serves, aborted when it ends (sign-out, another
   * account): its requests in flight are cancelled, and an answer that still comes is dropped
   * rather than shown to the next account.
   */
  const sessionRef = useRef<AbortController | null>(null);

  /** Reads the alerts after `afterId` (the newest page when null) into the feed; false when it failed. */
  const fetchSince = useCallback(async (afterId: number | null): Promise<boolean> => {
    const session = sessionRef.current;
    if (!session) return false;
    const { signal } = session;
    try {
      let alerts: AlertPublic[];
      if (afterId === null) {
        alerts = itemsOf(await api.get<Page<AlertPublic> | AlertPublic[]>(API.alerts, { query: { limit: 500 }, signal }));
      } else {
        // the whole gap, page after page (newest first), merged into the feed at once
        const gap = await fetchAlertsAfter(afterId, { get: (query) => api.get<Page<AlertPublic> | AlertPublic[]>(API.alerts, { query, signal }) });
        alerts = gap.alerts;
        if (!gap.complete) {
          const oldest = alerts.length ? alerts[alerts.length - 1]!.id : null;
          console.warn(
            gap.stopped === "max_pages"
              ? `wickwatch: more alerts were missed after #${afterId} than the feed keeps; fetched the newest ${alerts.length} (${gap.pages} pages), older ones are not in the feed (see the alert list)`
              : `wickwatch: the missed alerts after #${afterId} were fetched only down to #${oldest} (${gap.pages} pages); the rest failed`,
            gap.error ?? "",
          );
        }
      }
      if (signal.aborted) return false;
      setHistory("available");
      if (alerts.length) dispatch({ type: "received", alerts });
      return true;
    } catch (err) {
      if (signal.aborted) return false;
      setHistory(err instanceof ApiError && err.notImplemented ? "missing" : "error");
      return false;
    }
  }, []);

  // Stream lifecycle follows the session.
  useEffect(() => {
    dispatch({ type: "clear" }); // nothing of a previous account stays
    setHistory("unknown");
    if (userId === null) {
      stream.stop();
      return;
    }
    const session = new AbortController();
    sessionRef.current = session;
    const offState = stream.onState((s) => {
      setStreamState(s);
      setNextRetryAt(stream.getNextRetryAt());
    });
    const offOpen = stream.onOpen((reconnected) => {
      if (reconnected) void fetchSince(lastAlertId(feedRef.current));
    });
    let queue: AlertPublic[] = [];
    let timer: ReturnType<typeof setTimeout> | null = null;
    const offAlerts = stream.subscribe("alerts", (m) => {
      const alert = m.data as AlertPublic | undefined;
      if (!alert || typeof alert.id !== "number") return;
      queue.push(alert);
      if (!feedRef.current.ids.has(alert.id)) notifyAlert(alert, prefsRef.current, localeRef.current);
      timer ??= setTimeout(() => {
        timer = null;
        const batch = queue;
        queue = [];
        dispatch({ type: "received", alerts: batch });
      }, BATCH_MS);
    });
    const online = () => stream.retryNow();
    window.addEventListener("online", online);
    // alerts read in another tab or on another device: ask again when this tab comes back
    const seen = new SeenSync((action) => {
      if (!session.signal.aborted) dispatch(action); // a mark answered after the sign-out
    });
    seenRef.current = seen;
    let lastSync = Date.now();
    const back = () => {
      if (document.hidden || Date.now() - lastSync < SYNC_EVERY_MS) return;
      lastSync = Date.now();
      void seen.sync(lastAlertId(feedRef.current));
    };
    document.addEventListener("visibilitychange", back);
    window.addEventListener("focus", back);
    if (capabilities.serves(API.stream)) stream.start();
    else setStreamState("unavailable"); // this server has no live stream (yet): do not dial it
    void fetchSince(null);
    return () => {
      session.abort();
      sessionRef.current = null;
      stream.stop(); // its socket is authenticated as this account
      offState();
      offOpen();
      offAlerts();
      if (timer) clearTimeout(timer);
      window.removeEventListener("online", online);
      document.removeEventListener("visibilitychange", back);
      window.removeEventListener("focus", back);
      seen.stop();
      seenRef.current = null;
    };
  }, [userId, fetchSince]);

  // Without a stream, poll the REST list so the feed still moves (degraded mode). A failed poll
  // (the API restarting, a network blip) is tried again, later and later; only a server without
  // the route stops it.
  const canPoll = history === "available" || history === "error";
  useEffect(() => {
    if (userId === null || !canPoll || streamState === "open") return;
    let failures = 0;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const next = () => {
      const delay = failures ? backoffDelay(failures - 1, POLL_BACKOFF) : POLL_MS;
      timer = setTimeout(async () => {
        failures = (await fetchSince(lastAlertId(feedRef.current))) ? 0 : failures + 1;
        if (!stopped) next();
      }, delay);
    };
    next();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [userId, canPoll, streamState, fetchSince]);

  const markSeen = useCallback<Live["markSeen"]>(({ upToId, ids }) => {
    if (upToId !== undefined) seenRef.current?.readUpTo(upToId);
    if (ids?.length) seenRef.current?.read(ids);
  }, []);

  const setPrefs = useCallback((p: NotifyPrefs) => {
    setPrefsState(p);
    saveNotifyPrefs(p);
  }, []);

  const value = useMemo<Live>(
    () => ({
      feed,
      streamState,
      nextRetryAt,
      history,
      markSeen,
      clear: () => dispatch({ type: "clear" }),
      prefs,
      setPrefs,
    }),
    [feed, streamState, nextRetryAt, history, markSeen, prefs, setPrefs],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useLive(): Live {
  const v = useContext(Ctx);
  if (!v) throw new Error("useLive outside LiveProvider");
  return v;
}
