import { useState, type FormEvent } from "react";
import { NavLink, Navigate, Route, Routes } from "react-router-dom";
import { api, ApiError } from "../api/client";
import { itemsOf, type ErrorLogEntry, type ExchangeStatsAdmin, type InvitePublic, type Page, type Role, type SystemStatus, type UserPublic } from "../api/contract";
import { API } from "../api/paths";
import { useAuth } from "../app/auth";
import { PasswordMeter } from "../components/PasswordMeter";
import { errorText, ResourceView } from "../components/States";
import { useI18n } from "../i18n";
import { exchangeName, formatDateTime, formatInt, formatLag, formatRate } from "../lib/format";
import { health } from "../lib/markets";
import { useResource } from "../lib/useResource";

export default function AdminPage() {
  const { t } = useI18n();
  const tabs = ["users", "invites", "errors", "exchanges", "status"] as const;
  return (
    <div className="page">
      <div className="page-head">
        <h1>{t("admin.title")}</h1>
        <nav className="tabs">
          {tabs.map((tab) => (
            <NavLink key={tab} to={`/admin/${tab}`} className={({ isActive }) => (isActive ? "tab-on" : "")}>{t(`admin.tab.${tab}`)}</NavLink>
          ))}
        </nav>
      </div>
      <Routes>
        <Route index element={<Navigate to="users" replace />} />
        <Route path="users" element={<Users />} />
        <Route path="invites" element={<Invites />} />
        <Route path="errors" element={<Errors />} />
        <Route path="exchanges" element={<Exchanges />} />
        <Route path="status" element={<Status />} />
      </Routes>
    </div>
  );
}

function Users() {
  const { t, locale } = useI18n();
  const { user: me } = useAuth();
  const [q, setQ] = useState("");
  const [creating, setCreating] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const users = useResource<Page<UserPublic>>(async (signal) => {
    const a = await api.get<Page<UserPublic> | UserPublic[]>(API.admin.users, { signal, query: { q, limit: 200 } });
    return Array.isArray(a) ? { items: a, total: a.length } : a;
  }, [q]);
  async function act(fn: () => Promise<unknown>) {
    setNote(null);
    try {
      await fn();
    } catch (err) {
      setNote(errorText(t, err));
    }
    users.reload();
  }
  return (
    <section className="panel">
      <div className="row-wrap">
        <input type="search" className="search" placeholder={t("admin.searchUsers")} value={q} onChange={(e) => setQ(e.target.value)} />
        <div className="spacer" />
        <button type="button" className="btn btn-primary btn-small" onClick={() => setCreating(true)}>+ {t("admin.createUser")}</button>
      </div>
      {creating && <CreateUser onDone={() => (setCreating(false), users.reload())} />}
      {note && <div className="note">{note}</div>}
      <ResourceView resource={users}>
        {(page) => (
          <table className="table" data-testid="admin-users">
            <thead>
              <tr>
                <th>{t("auth.email")}</th>
                <th>{t("auth.displayName")}</th>
                <th>{t("admin.role")}</th>
                <th>{t("admin.active")}</th>
                <th>{t("admin.created")}</th>
                <th>{t("admin.lastLogin")}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {page.items.map((u) => (
                <tr key={u.id} className={u.is_active ? "" : "row-deleted"}>
                  <td>{u.email}</td>
                  <td>{u.display_name ?? "—"}</td>
                  <td>
                    <select value={u.role} disabled={u.id === me?.id} onChange={(e) => void act(() => api.patch(API.admin.user(u.id), { role: e.target.value as Role }))}>
                      <option value="user">{t("admin.roles.user")}</option>
                      <option value="admin">{t("admin.roles.admin")}</option>
                    </select>
                  </td>
                  <td>{u.is_active ? t("common.yes") : t("common.no")}</td>
                  <td className="muted">{formatDateTime(u.created_at, locale)}</td>
                  <td className="muted">{formatDateTime(u.last_login_at, locale)}</td>
                  <td className="actions">
                    {u.id !== me?.id && (
                      <>
                        <button type="button" className="btn btn-small btn-ghost" onClick={() => void act(() => api.patch(API.admin.user(u.id), { is_active: !u.is_active }))}>
                          {u.is_active ? t("admin.disable") : t("admin.enable")}
                        </button>
                        <button type="button" className="btn btn-small btn-ghost" onClick={() => window.confirm(t("admin.confirmDelete", { email: u.email })) && void act(() => api.delete(API.admin.user(u.id)))}>
                          {t("common.remove")}
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </ResourceView>
    </section>
  );
}

function CreateUser({ onDone }: { onDone: () => void }) {
  const { t } = useI18n();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<Role>("user");
  const [error, setError] = useState<string | null>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    try {
      await api.post(API.admin.users, { email, password, role });
      onDone();
    } catch (err) {
      setError(err instanceof ApiError && err.status === 422 ? Object.values(err.fieldErrors).join("; ") || err.message : errorText(t, err));
    }
  }
  return (
    <form className="form form-inline card" onSubmit={submit}>
      <label>{t("auth.email")}<input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} /></label>
      <label>{t("auth.password")}<input type="password" required autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} /><PasswordMeter password={password} email={email} /></label>
      <label>{t("admin.role")}<select value={role} onChange={(e) => setRole(e.target.value as Role)}><option value="user">{t("admin.roles.user")}</option><option value="admin">{t("admin.roles.admin")}</option></select></label>
      {error && <div className="form-error">{error}</div>}
      <div className="row-wrap">
        <button type="submit" className="btn btn-primary btn-small">{t("common.add")}</button>
        <button type="button" className="btn btn-ghost btn-small" onClick={onDone}>{t("common.cancel")}</button>
      </div>
    </form>
  );
}

function Invites() {
  const { t, locale } = useI18n();
  const [email, setEmail] = useState("");
  const [note, setNote] = useState("");
  const [created, setCreated] = useState<InvitePublic | null>(null);
  const [error, setError] = useState<string | null>(null);
  const invites = useResource<InvitePublic[]>(async (signal) => itemsOf(await api.get<Page<InvitePublic> | InvitePublic[]>(API.admin.invites, { signal })), []);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      setCreated(await api.post<InvitePublic>(API.admin.invites, { email: email || null, note: note || null }));
      setEmail("");
      setNote("");
      invites.reload();
    } catch (err) {
      setError(errorText(t, err));
    }
  }
  const link = created?.code ? `${window.location.origin}/register?invite=${encodeURIComponent(created.code)}` : null;
  return (
    <section className="panel">
      <form className="form form-inline" onSubmit={submit}>
        <label>{t("admin.inviteEmail")}<input type="email" value={email} onChange={(e) => setEmail(e.target.value)} placeholder={t("common.optional")} /></label>
        <label>{t("admin.inviteNote")}<input value={note} maxLength={200} onChange={(e) => setNote(e.target.value)} /></label>
        <button type="submit" className="btn btn-primary btn-small">{t("admin.createInvite")}</button>
      </form>
      {error && <div className="form-error">{error}</div>}
      {link && (
        <div className="banner" role="status">
          {t("admin.inviteOnce")} <code className="select-all">{link}</code>{" "}
          <button type="button" className="btn btn-small" onClick={() => void navigator.clipboard?.writeText(link)}>{t("common.copy")}</button>
        </div>
      )}
      <ResourceView resource={invites}>
        {(list) => (
          <table className="table">
            <thead><tr><th>{t("auth.email")}</th><th>{t("admin.inviteNote")}</th><th>{t("admin.created")}</th><th>{t("admin.expires")}</th><th>{t("admin.used")}</th></tr></thead>
            <tbody>
              {list.map((i) => (
                <tr key={i.id}>
                  <td>{i.email ?? "—"}</td>
                  <td>{i.note ?? ""}</td>
                  <td className="muted">{formatDateTime(i.created_at, locale)}</td>
                  <td className="muted">{formatDateTime(i.expires_at, locale)}</td>
                  <td>{i.used_at ? formatDateTime(i.used_at, locale) : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </ResourceView>
    </section>
  );
}

function Errors() {
  const { t, locale } = useI18n();
  const [level, setLevel] = useState("");
  const [logger, setLogger] = useState("");
  const [q, setQ] = useState("");
  const [open, setOpen] = useState<number | null>(null);
  const [more, setMore] = useState<ErrorLogEntry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const errors = useResource<Page<ErrorLogEntry>>(async (signal) => {
    const page = await api.get<Page<ErrorLogEntry>>(API.admin.errors, { signal, query: { level, logger, q, limit: 100 } });
    setMore([]);
    setCursor(page.next_cursor ?? null);
    return page;
  }, [level, logger, q]);
  async function loadMore() {
    if (!cursor) return;
    const page = await api.get<Page<ErrorLogEntry>>(API.admin.errors, { query: { level, logger, q, limit: 100, cursor } });
    setMore((m) => m.concat(page.items));
    setCursor(page.next_cursor ?? null);
  }
  return (
    <section className="panel">
      <div className="row-wrap">
        <select value={level} onChange={(e) => setLevel(e.target.value)} aria-label={t("admin.level")}>
          <option value="">{t("admin.anyLevel")}</option>
          {["WARNING", "ERROR", "CRITICAL"].map((l) => <option key={l} value={l}>{l}</option>)}
        </select>
        <input type="search" className="search" placeholder={t("admin.logger")} value={logger} onChange={(e) => setLogger(e.target.value)} />
        <input type="search" className="search" placeholder={t("admin.searchText")} value={q} onChange={(e) => setQ(e.target.value)} />
        <button type="button" className="btn btn-small" onClick={errors.reload}>{t("common.refresh")}</button>
      </div>
      <ResourceView resource={errors}>
        {(page) => {
          const list = page.items.concat(more);
          return list.length === 0 ? (
            <div className="state state-empty">{t("admin.noErrors")}</div>
          ) : (
            <>
              <table className="table" data-testid="admin-errors">
                <tbody>
                  {list.map((e) => (
                    <tr key={e.id} onClick={() => setOpen(open === e.id ? null : e.id)} className="clickable">
                      <td className="muted mono nowrap">{formatDateTime(e.created_at, locale)}</td>
                      <td><span className={`status status-${e.level === "WARNING" ? "degraded" : "down"}`}>{e.level}</span></td>
                      <td className="mono small">{e.logger}</td>
                      <td>
                        {e.message}
                        {open === e.id && (e.exception || e.context) && <pre className="pre">{e.exception ?? ""}{e.context ? "\n" + JSON.stringify(e.context, null, 2) : ""}</pre>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {cursor && <button type="button" className="btn btn-small" onClick={() => void loadMore()}>{t("common.more")}</button>}
            </>
          );
        }}
      </ResourceView>
    </section>
  );
}

function Exchanges() {
  const { t, locale } = useI18n();
  const rows = useResource<ExchangeStatsAdmin[]>(async (signal) => itemsOf(await api.get<Page<ExchangeStatsAdmin> | ExchangeStatsAdmin[]>(API.admin.exchanges, { signal })), []);
  return (
    <section className="panel">
      <ResourceView resource={rows}>
        {(list) => (
          <table className="table">
            <thead>
              <tr>
                <th>{t("markets.feed")}</th><th>{t("markets.status")}</th><th className="num">{t("markets.symbols")}</th><th className="num">{t("markets.tradesPerS")}</th>
                <th className="num">{t("markets.lag")} p50/p99</th><th className="num">{t("markets.reconnects")}</th><th className="num">{t("admin.gaps")}</th><th className="num">{t("admin.malformed")}</th><th className="num">{t("admin.alerts24h")}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((r) => (
                <tr key={`${r.exchange}_${r.market}`}>
                  <td>{exchangeName(r.exchange)} {r.market}</td>
                  <td>
                    <span className={`status status-${health(r.status)}`}>{t(`markets.health.${health(r.status)}`)}</span>
                    {r.stale && <span className="pill pill-dim">{t("admin.stale")}</span>} <span className="muted small">{r.reason}</span>
                  </td>
                  <td className="num mono">{formatInt(r.symbols, locale)}</td>
                  <td className="num mono">{formatRate(r.trades_per_s, locale)}</td>
                  <td className="num mono">{formatLag(r.lag_p50_ms, locale)} / {formatLag(r.lag_p99_ms, locale)}</td>
                  <td className="num mono">{formatInt(r.reconnects, locale)}</td>
                  <td className="num mono">{formatInt(r.gaps, locale)}</td>
                  <td className="num mono">{formatInt(r.malformed_frames, locale)}</td>
                  <td className="num mono">{formatInt(r.alerts_24h, locale)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </ResourceView>
    </section>
  );
}

function Status() {
  const { t, locale } = useI18n();
  const status = useResource<SystemStatus>((signal) => api.get(API.admin.status, { signal }), []);
  return (
    <section className="panel">
      <ResourceView resource={status}>
        {(s) => (
          <div data-testid="admin-status">
            <dl className="facts">
              <div><dt>{t("admin.version")}</dt><dd className="mono">{s.version}</dd></div>
              <div><dt>{t("admin.environment")}</dt><dd>{s.environment}</dd></div>
              <div><dt>{t("admin.uptime")}</dt><dd>{formatUptime(s.uptime_s, t)}</dd></div>
              <div><dt>{t("admin.started")}</dt><dd className="muted">{formatDateTime(s.started_at, locale)}</dd></div>
              <div><dt>{t("admin.errors24h")}</dt><dd className="mono">{formatInt(s.errors_24h, locale)}</dd></div>
            </dl>
            <table className="table">
              <tbody>
                <tr>
                  <td>{t("admin.database")} <span className="muted">{s.database.backend}</span></td>
                  <td><span className={`status status-${s.database.ok ? "active" : "down"}`}>{s.database.ok ? "OK" : s.database.error}</span></td>
                  <td className="num mono">{s.database.latency_ms == null ? "" : formatLag(s.database.latency_ms, locale)}</td>
                </tr>
                <tr>
                  <td>Redis</td>
                  <td>
                    {s.redis.configured ? (
                      <span className={`status status-${s.redis.ok ? "active" : "down"}`}>{s.redis.ok ? "OK" : s.redis.error}</span>
                    ) : (
                      <span className="muted">{t("admin.redisNone")}</span>
                    )}
                  </td>
                  <td className="num mono">{s.redis.latency_ms == null ? "" : formatLag(s.redis.latency_ms, locale)}</td>
                </tr>
                <tr>
                  <td>{t("admin.outbox")}</td>
                  <td className="mono small">{Object.entries(s.outbox.by_status).map(([k, v]) => `${k} ${v}`).join(" · ") || "—"}</td>
                  <td className="muted">{s.outbox.oldest_pending_at ? `${t("admin.oldestPending")} ${formatDateTime(s.outbox.oldest_pending_at, locale)}` : ""}</td>
                </tr>
                <tr>
                  <td>{t("admin.processes")}</td>
                  <td className="small">{s.processes.roles_here.join(", ") || "api"} · pid {s.processes.api_pid}</td>
                  <td className="muted">{t("admin.feedsReporting", { n: s.processes.feeds_reporting, total: s.processes.feeds_total })}</td>
                </tr>
              </tbody>
            </table>
          </div>
        )}
      </ResourceView>
    </section>
  );
}

function formatUptime(seconds: number, t: ReturnType<typeof useI18n>["t"]): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return d > 0 ? t("admin.uptimeDays", { d, h }) : t("admin.uptimeHours", { h, m });
}
