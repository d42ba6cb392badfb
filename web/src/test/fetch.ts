// A scripted `fetch` for component tests: routes by method and path, records every call.
import { vi } from "vitest";

export interface Call {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
}

/** `body` is sent as JSON; `text` as it is (CSV downloads). */
type Reply = { status?: number; body?: unknown; text?: string; headers?: Record<string, string> };
type Handler = (call: Call) => Reply | Promise<Reply>;

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return { status, body, headers };
}

/** Install a fetch answering `"POST /api/v1/…"` keys (query strings ignored); 404 otherwise. */
export function mockFetch(routes: Record<string, Handler | Reply>) {
  const calls: Call[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), "http://localhost");
    const call = { method: init?.method ?? "GET", path: url.pathname, query: Object.fromEntries(url.searchParams), body: init?.body ? JSON.parse(String(init.body)) : undefined };
    calls.push(call);
    const route = routes[`${call.method} ${call.path}`];
    const reply = route === undefined ? json(404, { error: { code: "http_404", message: "Not Found", details: null } }) : typeof route === "function" ? await route(call) : route;
    const status = reply.status ?? 200;
    const payload = status === 204 ? null : reply.text !== undefined ? reply.text : JSON.stringify(reply.body ?? null);
    return new Response(payload, { status, headers: { "Content-Type": "application/json", ...reply.headers } });
  });
  vi.stubGlobal("fetch", fn);
  return { calls, fn, sent: (method: string, path: string) => calls.filter((c) => c.method === method && c.path === path) };
}
