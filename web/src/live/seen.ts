// Marks alerts read on the server once the user has actually seen them (issue 6: the browser's
// delivery state "seen"), and re-reads which are still unread when another tab or device may
// have read them.
//
// The Live page asks often (every feed change while it is shown and focused); this class merges
// the asks into at most one request every SEEN_DELAY_MS — `POST /alerts/read-all?up_to_id=` for
// "everything up to the newest shown", `POST /alerts/{id}/read` for single rows — and reports to
// the feed only what the server confirmed, so the unread counter never runs ahead of the server.

import { ApiError, api, type ApiClient } from "../api/client";
import { itemsOf, type AlertPublic, type AlertsPage } from "../api/contract";
import { API } from "../api/paths";
import type { FeedAction } from "./feed";

export const SEEN_DELAY_MS = 1000;
export const SEEN_RETRY_MS = 10_000;
/** How many unread alerts a re-sync reads (newest first); older ones keep their state. */
export const SYNC_LIMIT = 200;

type Report = (action: Extract<FeedAction, { type: "seen" | "synced" }>) => void;

/** The server has no read state (an older release): the feed keeps it locally. */
function noServerState(err: unknown): boolean {
  return err instanceof ApiError && err.notImplemented;
}

export class SeenSync {
  /** The highest id asked for / sent (in flight or confirmed) with read-all. */
  private wantUpTo = 0;
  private sentUpTo = 0;
  private readonly wantIds = new Set<number>();
  private readonly sentIds = new Set<number>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private busy = false;
  /** Bumped by every mark sent, so a re-sync that overlapped one is dropped (its answer may predate it). */
  private marks = 0;
  private stopped = false;

  constructor(
    private readonly report: Report,
    private readonly client: ApiClient = api,
  ) {}

  /** The user saw everything up to this alert id. */
  readUpTo(id: number): void {
    if (id <= this.wantUpTo) return;
    this.wantUpTo = id;
    this.schedule(SEEN_DELAY_MS);
  }

  /** The user saw these alerts (rows on screen). */
  read(ids: Iterable<number>): void {
    let added = false;
    for (const id of ids) {
      if (id <= this.wantUpTo || this.wantIds.has(id)) continue;
      this.wantIds.add(id);
      added = true;
    }
    if (added) this.schedule(SEEN_DELAY_MS);
  }

  /**
   * Ask the server which alerts are still unread and report the alerts up to `toId` (the newest
   * the feed held when asking; newer ones may have been committed after the answer) as read
   * unless listed. Skipped while marks are pending, whose answers would be out of date.
   */
  async sync(toId: number | null): Promise<void> {
    if (toId === null || this.stopped || this.pending() || this.busy) return;
    const marks = this.marks;
    let answer: AlertsPage | AlertPublic[];
    try {
      answer = await this.client.get<AlertsPage | AlertPublic[]>(API.alerts, { query: { unread: true, limit: SYNC_LIMIT } });
    } catch {
      return; // the next focus tries again
    }
    if (this.stopped || marks !== this.marks || this.busy) return;
    const unread = itemsOf(answer);
    const truncated = Array.isArray(answer) ? unread.length >= SYNC_LIMIT : Boolean(answer.next_cursor);
    const fromId = truncated && unread.length ? Math.min(...unread.map((a) => a.id)) : 0;
    this.report({ type: "synced", unread: unread.map((a) => a.id), fromId, toId });
  }

  /** Forget everything (sign-out). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private pending(): boolean {
    if (this.wantUpTo > this.sentUpTo) return true;
    for (const id of this.wantIds) if (!this.sentIds.has(id)) return true;
    return false;
  }

  private schedule(ms: number): void {
    if (this.timer || this.busy || this.stopped || !this.pending()) return;
    this.timer = setTimeout(() => void this.flush(), ms);
  }

  private async flush(): Promise<void> {
    this.timer = null;
    this.busy = true;
    let failed = false;
    const upTo = this.wantUpTo > this.sentUpTo ? this.wantUpTo : 0;
    if (upTo) {
      const before = this.sentUpTo;
      this.sentUpTo = upTo;
      this.marks++;
      try {
        await this.client.post(API.alertsReadAll, {}, { query: { up_to_id: upTo } });
        this.report({ type: "seen", upToId: upTo });
      } catch (err) {
        if (noServerState(err)) this.report({ type: "seen", upToId: upTo });
        else {
          failed = true;
          this.sentUpTo = before;
        }
      }
    }
    const ids = [...this.wantIds].filter((id) => id > this.sentUpTo && !this.sentIds.has(id));
    for (const id of this.wantIds) if (id <= this.sentUpTo) this.wantIds.delete(id);
    if (ids.length) {
      for (const id of ids) this.sentIds.add(id);
      this.marks++;
      const done: number[] = [];
      await Promise.all(
        ids.map(async (id) => {
          try {
            await this.client.post(API.alertRead(id), {});
            done.push(id);
          } catch (err) {
            // 404: deleted meanwhile (or no read state on this server): nothing left to mark
            if (noServerState(err) || (err instanceof ApiError && err.status === 404)) done.push(id);
            else {
              failed = true;
              this.sentIds.delete(id);
            }
          }
        }),
      );
      for (const id of done) {
        this.wantIds.delete(id);
        this.sentIds.delete(id);
      }
      if (done.length) this.report({ type: "seen", ids: done });
    }
    this.busy = false;
    this.schedule(failed ? SEEN_RETRY_MS : SEEN_DELAY_MS);
  }
}
