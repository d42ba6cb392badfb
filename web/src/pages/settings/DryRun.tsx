import { useState } from "react";
import { capabilities } from "../../api/capabilities";
import { api, ApiError } from "../../api/client";
import type { DryRunResult } from "../../api/contract";
import { API } from "../../api/paths";
import { errorText } from "../../components/States";
import { useI18n } from "../../i18n";
import { marketsByCount, rulesBelowFloor } from "../../lib/dryRun";
import { exchangeMarketShort, formatDateTime, formatDelta, formatInt, formatPct, formatPrice, formatUsdCompact } from "../../lib/format";
import { errorsByPath, stableStringify, type SettingsDoc } from "../../lib/settingsDoc";

const HOURS = 24;

/**
 * "What would these settings have sent me in the last 24 h?": the unsaved draft goes to the
 * server, which replays the stored spikes against it (usersettings, POST /settings/dry-run).
 */
export function DryRun({ doc }: { doc: SettingsDoc }) {
  const { t, locale } = useI18n();
  const [answer, setAnswer] = useState<{ result: DryRunResult; checked: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [runs, setRuns] = useState(0); // finished checks, so a test can wait for the next answer
  const current = stableStringify(doc);

  async function run() {
    setBusy(true);
    setError(null);
    try {
      const result = await api.post<DryRunResult>(API.settingsDryRun, { settings: doc, hours: HOURS });
      setAnswer({ result, checked: current });
    } catch (err) {
      setAnswer(null);
      if (err instanceof ApiError && err.notImplemented) setError(t("settings.dryRunUnavailable"));
      else if (err instanceof ApiError && err.status === 422) {
        const fields = Object.entries(errorsByPath(err.details)).map(([path, reason]) => `${path}: ${reason}`);
        setError(`${t("settings.dryRunInvalid")}${fields.length ? ` ${fields.join("; ")}` : ""}`);
      } else setError(errorText(t, err));
    } finally {
      setBusy(false);
      setRuns((n) => n + 1);
    }
  }

  const result = answer?.result;
  const below = result ? rulesBelowFloor(doc, result.floor_pct) : [];
  const markets = result ? marketsByCount(result) : [];
  return (
    <section className="panel" id="dry-run" data-testid="dry-run-panel" data-runs={runs}>
      <h2>{t("settings.dryRun")}</h2>
      <p className="muted small">{t("settings.dryRunHint")}</p>
      {capabilities.serves(API.settingsDryRun) ? (
        <button type="button" className="btn" onClick={() => void run()} disabled={busy} data-testid="dry-run">
          {busy ? t("common.wait") : t("settings.dryRunButton")}
        </button>
      ) : (
        <div className="state state-unavailable">{t("settings.dryRunUnavailable")}</div>
      )}
      {error && (
        <div className="state state-error" role="alert" data-testid="dry-run-error">
          {error}
        </div>
      )}
      {result && (
        <div data-testid="dry-run-result" aria-busy={busy}>
          <p>
            <b data-testid="dry-run-count">{t("settings.dryRunCount", { count: result.alerts, hours: result.hours })}</b>
            {result.folded > 0 && <span className="muted"> · {t("settings.dryRunFolded", { count: result.folded })}</span>}
            <span className="muted small">
              {" "}
              ({formatDateTime(result.from_ms, locale, doc.timezone)} – {formatDateTime(result.to_ms, locale, doc.timezone)})
            </span>
          </p>
          {answer.checked !== current && <p className="note small">{t("settings.dryRunStale")}</p>}
          {below.length > 0 && (
            <p className="note small" data-testid="dry-run-floor">
              {t("settings.dryRunBelowFloor", { floor: formatPct(result.floor_pct, locale, 2), rules: below.join(", ") })}
            </p>
          )}
          {markets.length > 0 && (
            <table className="table table-compact" data-testid="dry-run-markets">
              <tbody>
                {markets.map((m) => (
                  <tr key={`${m.exchange}_${m.market}`}>
                    <td>
                      <span className={`tag tag-${m.market}`}>{exchangeMarketShort(m.exchange, m.market)}</span>
                    </td>
                    <td className="num mono">{formatInt(m.alerts, locale)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {result.sample.length > 0 && (
            <>
              <h3>{t("settings.dryRunSample")}</h3>
              <table className="table table-compact" data-testid="dry-run-sample">
                <tbody>
                  {result.sample.map((a, i) => (
                    <tr key={`${a.ts_ms}-${a.exchange}-${a.market}-${a.symbol}-${i}`} className={a.direction === "up" ? "is-up" : "is-down"}>
                      <td className="mono muted">{formatDateTime(a.ts_ms, locale, doc.timezone)}</td>
                      <td>
                        <span className={`tag tag-${a.market}`}>{exchangeMarketShort(a.exchange, a.market)}</span>
                      </td>
                      <td>{a.symbol}</td>
                      <td className={`mono ${a.direction === "up" ? "up" : "down"}`}>{formatDelta(Number(a.delta_pct), a.direction, locale)}</td>
                      <td className="mono">{formatPct(Number(a.wick_pct), locale)}</td>
                      <td className="mono">{formatUsdCompact(a.volume_usd, locale)}</td>
                      <td className="mono">{formatPrice(a.price, locale)}</td>
                      <td className="muted">{a.rule}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {result.truncated && <p className="muted small">{t("settings.dryRunTruncated", { count: result.sample.length })}</p>}
            </>
          )}
        </div>
      )}
    </section>
  );
}
