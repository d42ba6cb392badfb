import { useState, type FormEvent } from "react";
import { Link, Navigate, useNavigate, useSearchParams } from "react-router-dom";
import { register } from "../api/auth";
import { ApiError } from "../api/client";
import { useAuth } from "../app/auth";
import { AuthFrame } from "../components/AuthFrame";
import { PasswordMeter } from "../components/PasswordMeter";
import { errorText } from "../components/States";
import { useI18n } from "../i18n";
import { checkPassword } from "../lib/password";
import { safeNext } from "./LoginPage";

export function RegisterPage() {
  const { t } = useI18n();
  const { user } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const [invite, setInvite] = useState(params.get("invite") ?? "");
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [inviteNeeded, setInviteNeeded] = useState(Boolean(params.get("invite")));

  if (user) return <Navigate to="/live" replace />;
  const check = checkPassword(password, email);
  const mismatch = repeat.length > 0 && repeat !== password;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (check.problems.length || mismatch) return;
    setBusy(true);
    setError(null);
    setFields({});
    try {
      await register({ email: email.trim(), password, display_name: name.trim() || null, invite_code: invite.trim() || null });
      navigate(safeNext(params.get("next")), { replace: true });
    } catch (err) {
      if (err instanceof ApiError) {
        if (err.code === "invite_invalid") {
          setInviteNeeded(true);
          setError(invite ? t("auth.inviteInvalid") : t("auth.inviteRequired"));
        } else if (err.code === "registration_closed") setError(t("auth.registrationClosed"));
        else if (err.status === 409) setError(t("auth.emailTaken"));
        else if (err.status === 422) {
          setFields(err.fieldErrors);
          setError(t("auth.checkFields"));
        } else setError(errorText(t, err));
      } else setError(errorText(t, err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <AuthFrame title={t("auth.registerTitle")}>
      <form onSubmit={submit} className="form" data-testid="register-form">
        <label>
          {t("auth.email")}
          <input type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} name="email" autoFocus />
          {fields.email && <span className="field-error">{fields.email}</span>}
        </label>
        <label>
          <span className="label-text">
            {t("auth.displayName")} <span className="muted">({t("common.optional")})</span>
          </span>
          <input type="text" autoComplete="nickname" maxLength={120} value={name} onChange={(e) => setName(e.target.value)} name="display_name" />
        </label>
        <label>
          {t("auth.password")}
          <input type="password" autoComplete="new-password" required value={password} onChange={(e) => setPassword(e.target.value)} name="password" />
          <PasswordMeter password={password} email={email} />
          {fields.password && <span className="field-error">{fields.password}</span>}
        </label>
        <label>
          {t("auth.repeatPassword")}
          <input type="password" autoComplete="new-password" required value={repeat} onChange={(e) => setRepeat(e.target.value)} name="repeat" />
          {mismatch && <span className="field-error">{t("auth.mismatch")}</span>}
        </label>
        <label>
          <span className="label-text">
            {t("auth.inviteCode")} {!inviteNeeded && <span className="muted">({t("auth.inviteIfAny")})</span>}
          </span>
          <input type="text" value={invite} required={inviteNeeded} onChange={(e) => setInvite(e.target.value)} name="invite_code" placeholder="wwi_…" />
          {fields.invite_code && <span className="field-error">{fields.invite_code}</span>}
        </label>
        {error && (
          <div className="form-error" role="alert">
            {error}
          </div>
        )}
        <button type="submit" className="btn btn-primary" disabled={busy || check.problems.length > 0 || mismatch}>
          {busy ? t("common.wait") : t("auth.createAccount")}
        </button>
      </form>
      <p className="muted center">
        {t("auth.haveAccount")} <Link to="/login">{t("auth.signIn")}</Link>
      </p>
    </AuthFrame>
  );
}
