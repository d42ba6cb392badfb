import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router-dom";
import { listSessions, logoutEverywhere } from "../api/auth";
import { api, ApiError } from "../api/client";
import type { UserPublic } from "../api/contract";
import { API } from "../api/paths";
import { useAuth } from "../app/auth";
import { PasswordMeter } from "../components/PasswordMeter";
import { errorText, ResourceView } from "../components/States";
import { useI18n } from "../i18n";
import { formatDateTime } from "../lib/format";
import { checkPassword } from "../lib/password";
import { useResource } from "../lib/useResource";

export default function AccountPage() {
  const { t, locale } = useI18n();
  const { user } = useAuth();
  const navigate = useNavigate();
  const sessions = useResource(() => listSessions(), []);
  const [note, setNote] = useState<string | null>(null);

  async function everywhere() {
    if (!window.confirm(t("account.confirmEverywhere"))) return;
    await logoutEverywhere().catch(() => undefined);
    navigate("/login", { replace: true });
  }
  async function revoke(id: string) {
    setNote(null);
    try {
      await api.delete(API.auth.session(id));
    } catch (err) {
      setNote(errorText(t, err));
    }
    sessions.reload();
  }

  return (
    <div className="page">
      <h1>{t("account.title")}</h1>
      <dl className="facts">
        <div><dt>{t("auth.email")}</dt><dd>{user?.email}</dd></div>
        <div><dt>{t("admin.role")}</dt><dd>{user ? t(`admin.roles.${user.role}`) : ""}</dd></div>
      </dl>
      {user && <Profile user={user} />}
      <section className="panel">
        <h2>{t("account.sessions")}</h2>
        <ResourceView resource={sessions}>
          {(list) => (
            <table className="table">
              <thead><tr><th>{t("account.device")}</th><th>IP</th><th>{t("account.signedIn")}</th><th>{t("account.lastUsed")}</th><th /></tr></thead>
              <tbody>
                {list.map((s) => (
                  <tr key={s.id}>
                    <td>{s.user_agent ?? "—"} {s.current && <span className="pill">{t("account.thisDevice")}</span>}</td>
                    <td className="mono">{s.ip ?? "—"}</td>
                    <td className="muted">{formatDateTime(s.created_at, locale)}</td>
                    <td className="muted">{formatDateTime(s.last_used_at, locale)}</td>
                    <td className="actions">
                      {!s.current && <button type="button" className="btn btn-small btn-ghost" onClick={() => void revoke(s.id)}>{t("account.signOutDevice")}</button>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </ResourceView>
        {note && <div className="note">{note}</div>}
        <button type="button" className="btn btn-danger" onClick={() => void everywhere()} data-testid="sign-out-everywhere">{t("account.signOutEverywhere")}</button>
      </section>
      <PasswordChange />
    </div>
  );
}

function Profile({ user }: { user: UserPublic }) {
  const { t } = useI18n();
  const [name, setName] = useState(user.display_name ?? "");
  const [message, setMessage] = useState<string | null>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    try {
      api.updateUser(await api.patch<UserPublic>(API.me, { display_name: name.trim() || null }));
      setMessage(t("account.profileSaved"));
    } catch (err) {
      setMessage(errorText(t, err));
    }
  }
  return (
    <section className="panel">
      <h2>{t("account.profile")}</h2>
      <form className="form form-inline" onSubmit={submit}>
        <label>{t("auth.displayName")}<input value={name} maxLength={120} onChange={(e) => setName(e.target.value)} name="display_name" /></label>
        <button type="submit" className="btn btn-small">{t("common.save")}</button>
        {message && <span className="muted">{message}</span>}
      </form>
    </section>
  );
}

function PasswordChange() {
  const { t } = useI18n();
  const { user } = useAuth();
  const navigate = useNavigate();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [error, setError] = useState<string | null>(null);
  const check = checkPassword(next, user?.email);
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (check.problems.length) return;
    setError(null);
    try {
      await api.post(API.auth.password, { current_password: current, new_password: next });
      // the server ends every session on a password change: sign in again
      api.clearSession();
      navigate("/login", { replace: true });
    } catch (err) {
      // a wrong current password is a 422 on body.current_password (accounts/service.py)
      if (err instanceof ApiError && (err.status === 401 || err.code === "invalid_credentials" || (err.status === 422 && "current_password" in err.fieldErrors))) setError(t("account.wrongPassword"));
      else if (err instanceof ApiError && err.status === 422) setError(Object.values(err.fieldErrors).join("; ") || err.message);
      else setError(errorText(t, err));
    }
  }
  return (
    <section className="panel">
      <h2>{t("account.changePassword")}</h2>
      <p className="muted small">{t("account.changePasswordHint")}</p>
      <form className="form form-inline" onSubmit={submit}>
        <label>{t("account.currentPassword")}<input type="password" name="current_password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} /></label>
        <label>
          {t("account.newPassword")}
          <input type="password" name="new_password" autoComplete="new-password" required value={next} onChange={(e) => setNext(e.target.value)} />
          <PasswordMeter password={next} email={user?.email ?? ""} />
        </label>
        <button type="submit" className="btn btn-small" disabled={check.problems.length > 0 || !current}>{t("account.changePassword")}</button>
      </form>
      {error && <div className="form-error">{error}</div>}
    </section>
  );
}
