import { useState } from "react";
import { useNavigate } from "react-router-dom";
import { capabilities } from "../../api/capabilities";
import { api, ApiError } from "../../api/client";
import type { DryRunResult } from "../../api/contract";
import { API } from "../../api/paths";
import { AlertRow } from "../../components/AlertRow";
import { errorText } from "../../components/States";
import { useI18n } from "../../i18n";
import type { SettingsDoc } from "../../lib/settingsDoc";

/** "What would these settings have sent me in the last 24 h?" — replayed by the server. */
export function DryRun({ doc }: { doc: SettingsDoc }) {
  const { t, locale } = useI18n();
  const navigate = useNavigate();
  const [result, setResult] = useState<DryRunResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function run() {
    setBusy(true);
    setError(null);
    try {
      setResult(await api.post<DryRunResult>(API.settingsDryRun, { document: doc, hours: 24 }));
    } catch (err) {
      setResult(null);
      setError(err instanceof ApiError && err.notImplemented ? t("settings.dryRunUnavailable") : errorText(t, err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <section className="panel" id="dry-run">
      <h2>{t("settings.dryRun")}</h2>
      <p className="muted small">{t("settings.dryRunHint")}</p>
      {capabilities.serves(API.settingsDryRun) ? (
        <button type="button" className="btn" onClick={() => void run()} disabled={busy} data-testid="dry-run">
          {busy ? t("common.wait") : t("settings.dryRunButton")}
        </button>
      ) : (
        <div className="state state-unavailable">{t("settings.dryRunUnavailable")}</div>
      )}
      {error && <div className="state state-unavailable">{error}</div>}
      {result && (
        <>
          <p><b>{t("settings.dryRunCount", { count: result.count })}</b></p>
          <div className="feed feed-static">
            {result.alerts.slice(0, 200).map((a, i) => (
              <AlertRow key={`${a.id}-${i}`} alert={a} locale={locale} timeZone={doc.timezone} fresh={false} onOpen={(x) => x.id > 0 && navigate(`/alerts/${x.id}`)} />
            ))}
          </div>
        </>
      )}
    </section>
  );
}
