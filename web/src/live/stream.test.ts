import { beforeEach, describe, expect, it, vi } from "vitest";
import { StreamClient, type SocketLike, type StreamState, type Timers } from "./stream";

class FakeSocket implements SocketLike {
  readyState = 0;
  onopen: SocketLike["onopen"] = null;
  onclose: SocketLike["onclose"] = null;
  onerror: SocketLike["onerror"] = null;
  onmessage: SocketLike["onmessage"] = null;
  sent: unknown[] = [];
  closed: number | null = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close(code = 1000) {
    if (this.closed !== null) return;
    this.closed = code;
    this.readyState = 3;
    this.onclose?.({ code });
  }
  // test side
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(message: unknown) {
    this.onmessage?.({ data: typeof message === "string" ? message : JSON.stringify(message) });
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

class FakeTimers implements Timers {
  t = 0;
  private queue: { at: number; fn: () => void; id: number }[] = [];
  private seq = 0;
  setTimeout(fn: () => void, ms: number) {
    const id = ++this.seq;
    this.queue.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(id: unknown) {
    this.queue = this.queue.filter((q) => q.id !== id);
  }
  now() {
    return this.t;
  }
  advance(ms: number) {
    const end = this.t + ms;
    for (;;) {
      this.queue.sort((a, b) => a.at - b.at);
      const next = this.queue[0];
      if (!next || next.at > end) break;
      this.queue.shift();
      this.t = next.at;
      next.fn();
    }
    this.t = end;
  }
  pending() {
    return this.queue.map((q) => q.at - this.t);
  }
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe("StreamClient", () => {
  let sockets: FakeSocket[];
  let timers: FakeTimers;
  let token: string | null;
  let states: StreamState[];
  const make = (extra: Partial<ConstructorParameters<typeof StreamClient>[0]> = {}) => {
    const client = new StreamClient({
      url: "ws://test/api/v1/stream",
      getToken: () => token,
      createSocket: (url) => {
        const s = new FakeSocket(url);
        sockets.push(s);
        return s;
      },
      timers,
      backoff: { baseMs: 1000, capMs: 30_000, random: () => 1 },
      ...extra,
    });
    client.onState((s) => states.push(s));
    return client;
  };
  const last = () => sockets[sockets.length - 1]!;

  beforeEach(() => {
    sockets = [];
    timers = new FakeTimers();
    token = "tok-1";
    states = [];
  });

  it("sends every topic, then authenticates (the server applies topics sent before the auth frame before it says ready)", async () => {
    const c = make();
    c.subscribe("alerts", () => {});
    c.subscribe("markets", () => {});
    c.start();
    expect(c.getState()).toBe("connecting");
    last().open();
    await flush();
    expect(last().sent).toEqual([{ type: "subscribe", topics: ["alerts", "markets"] }, { type: "auth", token: "tok-1" }]);
    expect(c.getState()).toBe("open");
  });

  it("reads what it missed after a reconnect once the server is ready, not when the socket opens", async () => {
    const c = make();
    const opened = vi.fn();
    c.onOpen(opened);
    c.subscribe("alerts", () => {});
    c.start();
    last().open();
    await flush();
    last().receive({ type: "ready" });
    expect(opened.mock.calls).toEqual([[false]]);
    last().drop(1012); // the server restarts
    timers.advance(1000);
    last().open(); // connected; the server has not read the auth frame yet
    await flush();
    expect(opened.mock.calls).toEqual([[false]]); // a read now could miss an alert published before the subscription took
    last().receive({ type: "ready" });
    expect(opened.mock.calls).toEqual([[false], [true]]);
  });

  it("routes messages to topic handlers, answers pings and skips junk", async () => {
    const c = make();
    const alerts = vi.fn();
    const candles = vi.fn();
    c.subscribe("alerts", alerts);
    c.subscribe("candles:binance_futures:BTCUSDT", candles);
    c.start();
    last().open();
    await flush();
    last().receive({ type: "alert", data: { id: 1 } });
    last().receive({ type: "candle", topic: "candles:binance_futures:BTCUSDT", data: { t: 1 } });
    last().receive("{not json");
    last().receive({ type: "unknown_kind" });
    last().receive({ type: "ping" });
    expect(alerts).toHaveBeenCalledWith({ type: "alert", data: { id: 1 } });
    expect(candles).toHaveBeenCalledTimes(1);
    expect(last().sent.at(-1)).toEqual({ type: "pong" });
    expect(last().closed).toBeNull();
  });

  it("reconnects with growing delays and resubscribes", async () => {
    const c = make();
    const opened = vi.fn();
    c.onOpen(opened);
    c.subscribe("alerts", () => {});
    c.start();
    last().open();
    await flush();
    last().receive({ type: "ready" });
    expect(opened).toHaveBeenLastCalledWith(false);
    last().drop();
    expect(c.getState()).toBe("reconnecting");
    expect(timers.pending()).toEqual([1000]);
    timers.advance(1000);
    expect(sockets).toHaveLength(2);
    last().drop(); // failed attempt
    expect(timers.pending()).toEqual([2000]);
    timers.advance(2000);
    last().drop();
    expect(timers.pending()).toEqual([4000]);
    expect(c.getNextRetryAt()).toBe(timers.now() + 4000);
    timers.advance(4000);
    token = "tok-2";
    last().open();
    await flush();
    expect(last().sent).toEqual([{ type: "subscribe", topics: ["alerts"] }, { type: "auth", token: "tok-2" }]);
    last().receive({ type: "ready" });
    expect(opened).toHaveBeenLastCalledWith(true);
  });

  it("starts the back-off again once a connection has stayed up", async () => {
    const c = make({ stableAfterMs: 10_000 });
    c.start();
    last().open();
    await flush();
    last().drop();
    timers.advance(1000);
    last().open();
    await flush();
    timers.advance(10_000); // stable
    last().drop();
    expect(timers.pending()).toEqual([1000]);
  });

  it("caps the delay", async () => {
    const c = make();
    c.start();
    for (let i = 0; i < 10; i++) {
      last().drop();
      timers.advance(60_000);
    }
    last().drop();
    expect(timers.pending()).toEqual([30_000]);
  });

  it("says 'unavailable' when it never got through", () => {
    const c = make({ unavailableAfter: 3 });
    c.start();
    last().drop();
    timers.advance(1000);
    last().drop();
    expect(c.getState()).toBe("reconnecting");
    timers.advance(2000);
    last().drop();
    expect(c.getState()).toBe("unavailable");
  });

  it("refreshes the token on 4401 and reconnects at once", async () => {
    const refresh = vi.fn(async () => {
      token = "fresh";
      return true;
    });
    const c = make({ refreshToken: refresh });
    c.start();
    last().open();
    await flush();
    last().receive({ type: "error", code: "unauthorized" });
    expect(last().closed).toBe(4401);
    await flush();
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(sockets).toHaveLength(2);
    last().open();
    await flush();
    expect(last().sent[0]).toEqual({ type: "auth", token: "fresh" });
  });

  it("refreshes even when the 4401 close code is lost (error frame, then 1006)", async () => {
    const refresh = vi.fn(async () => true);
    const c = make({ refreshToken: refresh });
    c.start();
    last().open();
    await flush();
    const s = last();
    s.close = () => s.drop(1006); // the browser reports an abnormal close
    s.receive({ type: "error", code: "token_expired", message: "the token expired" });
    await flush();
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(sockets).toHaveLength(2);
  });

  it("stops for good when forbidden", () => {
    const c = make();
    c.start();
    last().drop(4403);
    expect(c.getState()).toBe("forbidden");
    timers.advance(120_000);
    expect(sockets).toHaveLength(1);
  });

  it("reconnects when the server asks to", async () => {
    const c = make();
    c.start();
    last().open();
    await flush();
    last().receive({ type: "reconnect" });
    expect(sockets[0]!.closed).toBe(4000);
    timers.advance(1000);
    expect(sockets).toHaveLength(2);
  });

  it("closes a connection that went silent after pinging", async () => {
    const c = make({ idleTimeoutMs: 60_000 });
    c.start();
    last().open();
    await flush();
    timers.advance(120_000); // no ping seen yet: no watchdog
    expect(last().closed).toBeNull();
    last().receive({ type: "ping" });
    timers.advance(59_000);
    last().receive({ type: "alert", data: {} });
    timers.advance(59_000);
    expect(last().closed).toBeNull();
    timers.advance(2_000);
    expect(sockets[0]!.closed).toBe(4000);
  });

  it("counts subscriptions and unsubscribes the last one", async () => {
    const c = make();
    c.start();
    last().open();
    await flush();
    const off1 = c.subscribe("markets", () => {});
    const off2 = c.subscribe("markets", () => {});
    expect(last().sent.filter((m) => (m as { type: string }).type === "subscribe")).toHaveLength(1);
    off1();
    off1();
    expect(c.subscribedTopics()).toEqual(["markets"]);
    off2();
    expect(last().sent.at(-1)).toEqual({ type: "unsubscribe", topics: ["markets"] });
    expect(c.subscribedTopics()).toEqual([]);
  });

  it("stop() closes quietly and does not reconnect; retryNow skips the wait", async () => {
    const c = make();
    c.start();
    last().drop();
    c.retryNow();
    expect(sockets).toHaveLength(2);
    c.stop();
    expect(c.getState()).toBe("idle");
    timers.advance(60_000);
    expect(sockets).toHaveLength(2);
  });

  it("keeps other handlers running when one throws", async () => {
    vi.useFakeTimers();
    try {
      const c = make();
      const good = vi.fn();
      c.subscribe("alerts", () => {
        throw new Error("page bug");
      });
      c.subscribe("alerts", good);
      c.start();
      last().open();
      await Promise.resolve();
      last().receive({ type: "alert", data: {} });
      expect(good).toHaveBeenCalled();
      expect(() => vi.runAllTimers()).toThrow("page bug");
    } finally {
      vi.useRealTimers();
    }
  });
});
