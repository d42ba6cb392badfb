// The browser's live connection: one WebSocket to /api/v1/stream shared by every page.
//
// Contract (see web/README.md, "Live stream"):
//   client → server  {"type":"subscribe","topics":["alerts", …]}      first after every open, then
//                    {"type":"auth","token":"<access token>"}         the server applies the topics
//                                                                     sent before auth before "ready"
//                    {"type":"unsubscribe","topics":[…]}
//                    {"type":"pong"}                                  answer to a ping
//   server → client  {"type":"ready"}                                 auth accepted, topics in effect
//                    {"type":"alert","data":{…}}                      topic "alerts"
//                    {"type":"market_status","data":{…}}              topic "markets"
//                    {"type":<any>,"topic":"candles:<exchange_market>:<SYMBOL>","data":{…}}
//                    {"type":"ping"} · {"type":"reconnect"} · {"type":"error","code":"…"}
//   close codes      4401 = token expired/invalid (refresh, then reconnect), 4403 = forbidden (stop);
//                    anything else (1012 restarting, 1013 too slow, network) = reconnect, and the
//                    feed re-reads what it missed over REST once "ready" comes (onOpen with
//                    reconnected=true): earlier, an alert published between that read and the
//                    server taking the subscription would be in neither
// The server side is src/wickwatch/api/stream.py.
//
// Reconnects with exponential back-off and full jitter; the attempt count resets once a
// connection has stayed up for `stableAfterMs`. Topics are reference-counted and re-sent after
// every reconnect. Everything time- or socket-related is injectable so the logic is unit-tested.

import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from "../lib/backoff";

export type StreamState =
  | "idle" // not started (signed out)
  | "connecting" // first attempt in progress
  | "open" // connected and authenticated (or at least sent auth)
  | "reconnecting" // lost; waiting for the next attempt
  | "unavailable" // several attempts failed without ever opening: the server has no stream (yet)
  | "forbidden"; // the server refused this account; not retried

export interface StreamMessage {
  type: string;
  topic?: string;
  data?: unknown;
  code?: string;
  message?: string;
}

/** The part of the browser WebSocket this client uses. */
export interface SocketLike {
  readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export interface StreamOptions {
  url: string | (() => string);
  /** The current access token (null when signed out). */
  getToken: () => string | null | Promise<string | null>;
  /** Called on an auth failure; resolve true once a fresh token is available. */
  refreshToken?: () => Promise<boolean>;
  createSocket?: (url: string) => SocketLike;
  timers?: Timers;
  backoff?: BackoffOptions;
  /** Connection up this long → the back-off starts again from the first step. */
  stableAfterMs?: number;
  /** Failed attempts without any successful open before the state becomes "unavailable". */
  unavailableAfter?: number;
  /** Once the server has pinged, silence this long means a dead connection. */
  idleTimeoutMs?: number;
}

export const TYPE_TOPICS: Record<string, string> = {
  alert: "alerts",
  market_status: "markets",
};

type Handler = (message: StreamMessage) => void;

const OPEN = 1;
const CLOSE_UNAUTHORIZED = 4401;
const CLOSE_FORBIDDEN = 4403;

const realTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

export class StreamClient {
  private readonly opts: Required<Omit<StreamOptions, "refreshToken">> & Pick<StreamOptions, "refreshToken">;
  private socket: SocketLike | null = null;
  private state: StreamState = "idle";
  private attempt = 0;
  private everOpened = false;
  private running = false;
  private retryTimer: unknown = null;
  private stableTimer: unknown = null;
  private idleTimer: unknown = null;
  private heartbeatSeen = false;
  private nextRetryAt: number | null = null;
  private authRetry = false;
  /** The server said the token is no longer good (its close code may not reach us intact). */
  private tokenRejected = false;
  private readonly topics = new Map<string, number>();
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly stateListeners = new Set<(s: StreamState) => void>();
  private readonly openListeners = new Set<(reconnected: boolean) => void>();
  /** Connections the server said "ready" on. */
  private readies = 0;

  constructor(options: StreamOptions) {
    this.opts = {
      createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
      timers: realTimers,
      backoff: DEFAULT_BACKOFF,
      stableAfterMs: 10_000,
      unavailableAfter: 3,
      idleTimeoutMs: 75_000,
      ...options,
    };
  }

  getState(): StreamState {
    return this.state;
  }

  /** When the next attempt is due (ms since epoch), while reconnecting. */
  getNextRetryAt(): number | null {
    return this.nextRetryAt;
  }

  onState(listener: (s: StreamState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /**
   * Called when the server is ready on a connection (authenticated, the topics in effect: from
   * then on every alert comes over the socket); `reconnected` is false for the very first one.
   */
  onOpen(listener: (reconnected: boolean) => void): () => void {
    this.openListeners.add(listener);
    return () => this.openListeners.delete(listener);
  }

  /** Listen to a topic ("alerts", "markets", "candles:binance_futures:BTCUSDT"). */
  subscribe(topic: string, handler: Handler): () => void {
    let set = this.handlers.get(topic);
    if (!set) {
      set = new Set();
      this.handlers.set(topic, set);
    }
    set.add(handler);
    const count = (this.topics.get(topic) ?? 0) + 1;
    this.topics.set(topic, count);
    if (count === 1) this.send({ type: "subscribe", topics: [topic] });
    let done = false;
    return () => {
      if (done) return;
      done = true;
      set.delete(handler);
      const left = (this.topics.get(topic) ?? 1) - 1;
      if (left <= 0) {
        this.topics.delete(topic);
        this.handlers.delete(topic);
        this.send({ type: "unsubscribe", topics: [topic] });
      } else {
        this.topics.set(topic, left);
      }
    };
  }

  subscribedTopics(): string[] {
    return [...this.topics.keys()];
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.attempt = 0;
    this.everOpened = false;
    this.connect();
  }

  stop(): void {
    this.running = false;
    this.clearTimers();
    this.nextRetryAt = null;
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = null;
      socket.onmessage = null;
      socket.onerror = null;
      socket.onopen = null;
      try {
        socket.close(1000, "bye");
      } catch {
        /* already closed */
      }
    }
    this.setState("idle");
  }

  /** Try now instead of waiting for the back-off (the browser came back online, tab shown). */
  retryNow(): void {
    if (!this.running || this.socket || this.state === "forbidden") return;
    this.opts.timers.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.connect();
  }

  private setState(next: StreamState): void {
    if (next === this.state) return;
    this.state = next;
    for (const l of this.stateListeners) l(next);
  }

  private clearTimers(): void {
    const t = this.opts.timers;
    t.clearTimeout(this.retryTimer);
    t.clearTimeout(this.stableTimer);
    t.clearTimeout(this.idleTimer);
    this.retryTimer = this.stableTimer = this.idleTimer = null;
  }

  private send(message: object): void {
    if (this.socket && this.socket.readyState === OPEN) this.socket.send(JSON.stringify(message));
  }

  private connect(): void {
    if (!this.running) return;
    this.nextRetryAt = null;
    if (!this.everOpened && this.attempt === 0) this.setState("connecting");
    const url = typeof this.opts.url === "function" ? this.opts.url() : this.opts.url;
    let socket: SocketLike;
    try {
      socket = this.opts.createSocket(url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    this.heartbeatSeen = false;
    socket.onopen = () => void this.handleOpen(socket);
    socket.onmessage = (ev) => this.handleMessage(socket, ev.data);
    socket.onerror = () => {
      /* a close event always follows */
    };
    socket.onclose = (ev) => this.handleClose(socket, ev.code);
  }

  private async handleOpen(socket: SocketLike): Promise<void> {
    const token = await this.opts.getToken();
    if (socket !== this.socket) return;
    // the topics first: the server applies the ones sent before the auth frame before "ready"
    if (this.topics.size > 0) socket.send(JSON.stringify({ type: "subscribe", topics: [...this.topics.keys()] }));
    if (token) socket.send(JSON.stringify({ type: "auth", token }));
    this.everOpened = true;
    this.authRetry = false;
    this.setState("open");
    this.stableTimer = this.opts.timers.setTimeout(() => {
      this.attempt = 0;
    }, this.opts.stableAfterMs);
  }

  private handleReady(): void {
    const reconnected = this.readies > 0;
    this.readies++;
    for (const l of this.openListeners) l(reconnected);
  }

  private armIdle(socket: SocketLike): void {
    const t = this.opts.timers;
    t.clearTimeout(this.idleTimer);
    this.idleTimer = t.setTimeout(() => {
      if (socket === this.socket) socket.close(4000, "idle");
    }, this.opts.idleTimeoutMs);
  }

  private handleMessage(socket: SocketLike, raw: unknown): void {
    if (socket !== this.socket) return;
    if (this.heartbeatSeen) this.armIdle(socket);
    let message: StreamMessage;
    try {
      message = JSON.parse(String(raw)) as StreamMessage;
    } catch {
      return; // a malformed frame is skipped, never a reason to drop the connection
    }
    if (!message || typeof message.type !== "string") return;
    switch (message.type) {
      case "ping":
        this.heartbeatSeen = true;
        this.armIdle(socket);
        this.send({ type: "pong" });
        return;
      case "reconnect":
        socket.close(4000, "server asked to reconnect");
        return;
      case "error":
        if (message.code === "unauthorized" || message.code === "token_expired") {
          this.tokenRejected = true;
          socket.close(CLOSE_UNAUTHORIZED, "unauthorized");
        } else if (message.code === "forbidden") {
          socket.close(CLOSE_FORBIDDEN, "forbidden");
        }
        return;
      case "ready":
        this.handleReady();
        return;
    }
    const topic = message.topic ?? TYPE_TOPICS[message.type];
    if (!topic) return;
    const set = this.handlers.get(topic);
    if (!set) return;
    for (const h of [...set]) {
      try {
        h(message);
      } catch (err) {
        // one page's bug must not take the stream down for the others
        setTimeout(() => {
          throw err;
        });
      }
    }
  }

  private handleClose(socket: SocketLike, code: number): void {
    if (socket !== this.socket) return;
    this.socket = null;
    this.clearTimers();
    if (!this.running) return;
    if (code === CLOSE_FORBIDDEN) {
      this.setState("forbidden");
      this.running = false;
      return;
    }
    const rejected = code === CLOSE_UNAUTHORIZED || this.tokenRejected;
    this.tokenRejected = false;
    if (rejected && this.opts.refreshToken && !this.authRetry) {
      this.authRetry = true;
      this.setState("reconnecting");
      void this.opts.refreshToken().then((ok) => {
        if (!this.running) return;
        if (ok) this.connect();
        else this.scheduleReconnect();
      });
      return;
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (!this.running) return;
    const delay = backoffDelay(this.attempt, this.opts.backoff);
    this.attempt++;
    const unavailable = !this.everOpened && this.attempt >= this.opts.unavailableAfter;
    this.setState(unavailable ? "unavailable" : "reconnecting");
    this.nextRetryAt = this.opts.timers.now() + delay;
    for (const l of this.stateListeners) l(this.state); // listeners also show the countdown
    this.retryTimer = this.opts.timers.setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }
}

/** ws(s)://<this host>/api/v1/stream */
export function defaultStreamUrl(): string {
  const { protocol, host } = window.location;
  return `${protocol === "https:" ? "wss" : "ws"}://${host}/api/v1/stream`;
}
