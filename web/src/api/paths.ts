// Every API route the UI calls, in one place. Routes the running server lacks (see
// capabilities.ts) answer "not implemented" locally and their pages say "not available yet".

export const API = {
  auth: {
    register: "/api/v1/auth/register",
    login: "/api/v1/auth/login",
    refresh: "/api/v1/auth/refresh",
    logout: "/api/v1/auth/logout",
    logoutAll: "/api/v1/auth/logout-all",
    sessions: "/api/v1/auth/sessions",
    session: (id: string) => `/api/v1/auth/sessions/${id}`,
    password: "/api/v1/auth/password",
  },
  me: "/api/v1/auth/me",
  alerts: "/api/v1/alerts", // GET ?after_id=&limit=&cursor= → {items, next_cursor}
  alertCandles: (id: number) => `/api/v1/alerts/${id}/candles`,
  alertRead: (id: number) => `/api/v1/alerts/${id}/read`, // POST → AlertPublic (seen)
  alertsReadAll: "/api/v1/alerts/read-all", // POST ?up_to_id= → {count}
  markets: "/api/v1/markets",
  symbols: "/api/v1/symbols", // ?q=
  candles: "/api/v1/candles", // ?exchange=&market=&symbol=&from_ms=&to_ms=
  stats: "/api/v1/stats", // ?scope=me|global&days=
  settings: "/api/v1/settings", // GET → {version, updated_at, document}; PUT document + If-Match
  settingsDryRun: "/api/v1/settings/dry-run", // POST {settings, hours} → DryRunResult
  channels: "/api/v1/channels",
  channel: (id: number) => `/api/v1/channels/${id}`,
  channelTest: (id: number) => `/api/v1/channels/${id}/test`, // POST → {ok, detail}
  telegramLink: "/api/v1/channels/telegram/link", // POST → 201 {code, deep_link, expires_at, expires_in_s}; 503 without a service bot
  priceAlerts: "/api/v1/price-alerts",
  admin: {
    users: "/api/v1/admin/users",
    user: (id: number) => `/api/v1/admin/users/${id}`,
    invites: "/api/v1/admin/invites",
    errors: "/api/v1/admin/errors",
    exchanges: "/api/v1/admin/exchanges",
    status: "/api/v1/admin/status",
  },
  stream: "/api/v1/stream",
} as const;

export const PRICE_ALERTS = {
  one: (id: number) => `${API.priceAlerts}/${id}`,
  restore: (id: number) => `${API.priceAlerts}/${id}/restore`,
  history: (id: number) => `${API.priceAlerts}/${id}/history`, // 1-minute candles, newest first, ?cursor=
  csv: (id: number) => `${API.priceAlerts}/${id}/history.csv`,
};
