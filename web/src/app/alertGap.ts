// The REST gap-fill of the live feed: every alert newer than the feed's newest id, after a
// reconnect of the stream (or in the degraded polling mode). GET /api/v1/alerts answers newest
// first, `limit` at most 1000, and a `next_cursor` towards older alerts (alerts/service.py,
// api/cursors.py); `after_id` stays the lower bound on every page. One page is not enough after
// a long outage: the older part of the gap would never be asked for again, since later fills
// start after the newest id the feed then holds.

import { api } from "../api/client";
import { itemsOf, type AlertPublic, type Page } from "../api/contract";
import { API } from "../api/paths";
import { FEED_LIMIT } from "../live/feed";

/** The most the API gives per page. */
export const GAP_PAGE_LIMIT = 1000;
/** Pages per fill: enough for a whole feed (it keeps the newest FEED_LIMIT alerts, so older ones
 * of a larger gap would be dropped from it anyway). */
export const GAP_MAX_PAGES = Math.ceil(FEED_LIMIT / GAP_PAGE_LIMIT);

export type GapQuery = { after_id: number; limit: number; cursor?: string };
export type GapGet = (query: GapQuery) => Promise<Page<AlertPublic> | AlertPublic[]>;

export interface GapFill {
  /** Newest first, each id once. */
  alerts: AlertPublic[];
  pages: number;
  /** Every alert after `afterId` was fetched. */
  complete: boolean;
  /** Why it is not complete: the page bound was reached, or a later page failed. */
  stopped?: "max_pages" | "error";
  /** The failure of a later page (the first page's failure is thrown). */
  error?: unknown;
}

const defaultGet: GapGet = (query) => api.get<Page<AlertPublic> | AlertPublic[]>(API.alerts, { query });

/**
 * Every alert with an id above `afterId`, following `next_cursor` for at most `maxPages` pages.
 * Throws when the first page fails (the caller tells "no such route" from an error); a later
 * page's failure returns what came so far, `complete: false`.
 */
export async function fetchAlertsAfter(
  afterId: number,
  { get = defaultGet, pageLimit = GAP_PAGE_LIMIT, maxPages = GAP_MAX_PAGES }: { get?: GapGet; pageLimit?: number; maxPages?: number } = {},
): Promise<GapFill> {
  const byId = new Map<number, AlertPublic>();
  let cursor: string | undefined;
  let pages = 0;
  for (;;) {
    let answer: Page<AlertPublic> | AlertPublic[];
    try {
      answer = await get(cursor === undefined ? { after_id: afterId, limit: pageLimit } : { after_id: afterId, limit: pageLimit, cursor });
    } catch (err) {
      if (pages === 0) throw err;
      return { alerts: newestFirst(byId), pages, complete: false, stopped: "error", error: err };
    }
    pages++;
    for (const a of itemsOf(answer)) if (a.id > afterId && !byId.has(a.id)) byId.set(a.id, a);
    const next = Array.isArray(answer) ? null : (answer.next_cursor ?? null);
    if (next === null) return { alerts: newestFirst(byId), pages, complete: true };
    if (pages >= maxPages) return { alerts: newestFirst(byId), pages, complete: false, stopped: "max_pages" };
    cursor = next;
  }
}

function newestFirst(byId: Map<number, AlertPublic>): AlertPublic[] {
  return [...byId.values()].sort((a, b) => b.id - a.id);
}
