// Which routes this server has. The API process embeds its route list in index.html
// (src/wickwatch/api/web.py, <script id="ww-routes">); the client then answers calls to routes
// the server lacks with a local "not implemented" error — no request, no 404 in the console —
// and the live stream is not dialled on a server that has none. Without the list (the Vite dev
// server) every route is assumed to exist.

export class Capabilities {
  private readonly patterns: RegExp[] | null;

  constructor(paths: string[] | null) {
    this.patterns = paths ? paths.map(templateToRegExp) : null;
  }

  /** Whether the route list is known at all. */
  get known(): boolean {
    return this.patterns !== null;
  }

  /** Does the server have a route for this concrete path (`/api/v1/alerts/42/candles`)? */
  serves(path: string): boolean {
    if (!this.patterns) return true;
    const bare = path.split("?")[0]!;
    return this.patterns.some((p) => p.test(bare));
  }
}

/** `/api/v1/alerts/{alert_id}/candles` → /^\/api\/v1\/alerts\/[^/]+\/candles$/ */
export function templateToRegExp(template: string): RegExp {
  const parts = template.split(/(\{[^}]+\})/).map((part) => {
    if (/^\{[^}]+:path\}$/.test(part)) return ".+";
    if (/^\{[^}]+\}$/.test(part)) return "[^/]+";
    return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  });
  return new RegExp(`^${parts.join("")}$`);
}

export function readEmbeddedRoutes(doc: Document | undefined = globalThis.document): string[] | null {
  const el = doc?.getElementById("ww-routes");
  if (!el?.textContent) return null;
  try {
    const value = JSON.parse(el.textContent) as unknown;
    return Array.isArray(value) && value.every((v) => typeof v === "string") ? (value as string[]) : null;
  } catch {
    return null;
  }
}

export const capabilities = new Capabilities(readEmbeddedRoutes());
