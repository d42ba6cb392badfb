import { useState, type FormEvent } from "react";
import { Link, Navigate, useNavigate, useSearchParams } from "react-router-dom";
import { login } from "../api/auth";
import { ApiError } from "../api/client";
import { useAuth } from "../app/auth";
import { AuthFrame } from "../components/AuthFrame";
import { errorText } from "../components/States";
import { useI18n } from "../i18n";

/** Only same-site paths are followed after sign-in (no open redirect). */
export function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/live";
}

export function LoginPage() {
  const { t } = useI18n();
  const { user } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const next = safeNext(params.get("next"));

  if (user) return <Navigate to={next} replace />;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(email.trim(), password);
      navigate(next, { replace: true });
    } catch (err) {
      if (err instanceof ApiError && (err.code === "invalid_credentials" || err.status === 401)) setError(t("auth.invalidCredentials"));
      else if (err instanceof ApiError && err.code === "account_disabled") setError(t("auth.disabled"));
      else setError(errorText(t, err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <AuthFrame title={t("auth.signInTitle")}>
      <form onSubmit={submit} className="form" data-testid="login-form">
        <label>
          {t("auth.email")}
          <input type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} name="email" autoFocus />
        </label>
        <label>
          {t("auth.password")}
          <input type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} name="password" />
        </label>
        {error && (
          <div className="form-error" role="alert">
            {error}
          </div>
        )}
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? t("common.wait") : t("auth.signIn")}
        </button>
      </form>
      <p className="muted center">
        {t("auth.noAccount")} <Link to={`/register${params.toString() ? `?${params}` : ""}`}>{t("auth.register")}</Link>
      </p>
    </AuthFrame>
  );
}
