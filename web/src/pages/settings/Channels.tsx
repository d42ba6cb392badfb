import { useState, type FormEvent } from "react";
import { capabilities } from "../../api/capabilities";
import { api, ApiError } from "../../api/client";
import type { ChannelCreate, ChannelKind, ChannelPublic } from "../../api/contract";
import { API } from "../../api/paths";
import { errorText, ResourceView } from "../../components/States";
import { useI18n } from "../../i18n";
import { formatDateTime } from "../../lib/format";
import { useResource } from "../../lib/useResource";
import { channelTarget, newWebhookSecret, parseChatId } from "../../lib/channels";

/** The user's delivery channels (channels/endpoints.py): link Telegram, own bot, e-mail, webhook. */
export function Channels() {
  const { t, locale } = useI18n();
  const channels = useResource<ChannelPublic[]>((signal) => api.get<ChannelPublic[]>(API.channels, { signal }), []);
  const [adding, setAdding] = useState<ChannelKind | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const canLink = capabilities.serves(API.telegramLink);

  async function linkTelegram() {
    setNote(null);
    try {
      // a one-time code for the service bot (notify/telegram_bot.py /start <code>, 15 minutes)
      const { url, code } = await api.post<{ url: string; code?: string }>(API.telegramLink, {});
      window.open(url, "_blank", "noopener");
      setNote(code ? t("channels.linkOpenedCode", { code: `/start ${code}` }) : t("channels.linkOpened"));
    } catch (err) {
      setNote(errorText(t, err));
    }
  }
  async function act(fn: () => Promise<unknown>, done?: string) {
    setNote(null);
    try {
      await fn();
      if (done) setNote(done);
    } catch (err) {
      setNote(errorText(t, err));
    }
    channels.reload();
  }

  return (
    <section className="panel" id="channels">
      <h2>{t("channels.title")}</h2>
      <ResourceView resource={channels}>
        {(list) => (
          <>
            {list.length === 0 ? (
              <p className="muted">{t("channels.none")}</p>
            ) : (
              <table className="table" data-testid="channels-table">
                <tbody>
                  {list.map((c) => (
                    <tr key={c.id} className={c.enabled ? "" : "row-deleted"}>
                      <td>{t(`channel.${c.kind}`)}</td>
                      <td>
                        {c.name}
                        <div className="muted small mono">{channelTarget(c)}{c.secret_masked ? ` · ${c.secret_masked}` : ""}</div>
                      </td>
                      <td>
                        <span className={`status status-${c.last_status === "ok" || c.last_status === "sent" ? "active" : c.last_status ? "down" : "unknown"}`}>
                          {c.last_status ?? t("channels.neverUsed")}
                        </span>
                        {c.last_status_at && <span className="muted small"> {formatDateTime(c.last_status_at, locale)}</span>}
                        {c.last_error && <div className="field-error small">{c.last_error}</div>}
                      </td>
                      <td className="actions">
                        {capabilities.serves(API.channelTest(c.id)) && (
                          <button type="button" className="btn btn-small" onClick={() => void act(() => api.post(API.channelTest(c.id), {}), t("channels.testSent", { name: c.name }))}>
                            {t("channels.test")}
                          </button>
                        )}
                        <button type="button" className="btn btn-small btn-ghost" onClick={() => void act(() => api.patch(API.channel(c.id), { enabled: !c.enabled }))}>
                          {c.enabled ? t("channels.disable") : t("channels.enable")}
                        </button>
                        <button type="button" className="btn btn-small btn-ghost" onClick={() => window.confirm(t("channels.confirmDelete", { name: c.name })) && void act(() => api.delete(API.channel(c.id)))}>
                          {t("common.remove")}
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <div className="row-wrap">
              {canLink && (
                <button type="button" className="btn btn-primary btn-small" onClick={() => void linkTelegram()} data-testid="link-telegram">
                  {t("channels.linkTelegram")}
                </button>
              )}
              <button type="button" className="btn btn-small" onClick={() => setAdding("telegram")} data-testid="add-telegram">{t("channels.ownBot")}</button>
              <button type="button" className="btn btn-small" onClick={() => setAdding("email")} data-testid="add-email">{t("channels.addEmail")}</button>
              <button type="button" className="btn btn-small" onClick={() => setAdding("webhook")} data-testid="add-webhook">{t("channels.addWebhook")}</button>
            </div>
            {adding && <AddChannel key={adding} kind={adding} onDone={() => (setAdding(null), channels.reload())} />}
          </>
        )}
      </ResourceView>
      {note && <div className="note" role="status">{note}</div>}
    </section>
  );
}

function AddChannel({ kind, onDone }: { kind: ChannelKind; onDone: () => void }) {
  const { t } = useI18n();
  const [name, setName] = useState<string>(t(`channel.${kind}`));
  const [target, setTarget] = useState("");
  const [secret, setSecret] = useState(kind === "webhook" ? newWebhookSecret() : "");
  const [smtp, setSmtp] = useState(false);
  const [host, setHost] = useState("");
  const [port, setPort] = useState("587");
  const [username, setUsername] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  function body(): ChannelCreate | null {
    if (kind === "telegram") {
      const chatId = parseChatId(target);
      if (chatId === null) return null;
      return { kind, name, enabled: true, config: { chat_id: chatId, bot: "own" }, secret: secret.trim() };
    }
    if (kind === "email") {
      const config = smtp ? { address: target.trim(), smtp: { host: host.trim(), port: Number(port) || 587, username: username.trim() || null, starttls: true } } : { address: target.trim() };
      return { kind, name, enabled: true, config, secret: smtp && secret ? secret : null } as ChannelCreate;
    }
    return { kind, name, enabled: true, config: { url: target.trim() }, secret };
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    const data = body();
    if (!data) return setError(t("channels.badChatId"));
    setBusy(true);
    setError(null);
    try {
      await api.post(API.channels, data);
      onDone();
    } catch (err) {
      if (err instanceof ApiError && err.status === 422) setError(Object.values(err.fieldErrors).join("; ") || err.message);
      else if (err instanceof ApiError && err.status === 409) setError(t("channels.duplicate"));
      else setError(errorText(t, err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="form form-inline card" onSubmit={submit} data-testid={`channel-form-${kind}`}>
      <label>{t("channels.name")}<input name="name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={120} /></label>
      <label>
        {t(`channels.target.${kind}`)}
        <input
          name="target"
          value={target}
          onChange={(e) => setTarget(e.target.value)}
          required
          type={kind === "email" ? "email" : kind === "webhook" ? "url" : "text"}
          placeholder={kind === "telegram" ? "123456789 · @channel" : kind === "webhook" ? "https://…" : "you@example.com"}
        />
      </label>
      {kind === "email" && (
        <label className="check">
          <input type="checkbox" checked={smtp} onChange={(e) => setSmtp(e.target.checked)} />
          <span>{t("channels.ownSmtp")}</span>
        </label>
      )}
      {kind === "email" && smtp && (
        <>
          <label>{t("channels.smtpHost")}<input value={host} onChange={(e) => setHost(e.target.value)} required /></label>
          <label>{t("channels.smtpPort")}<input value={port} onChange={(e) => setPort(e.target.value)} inputMode="numeric" className="num" /></label>
          <label>{t("channels.smtpUser")}<input value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="off" /></label>
        </>
      )}
      {(kind !== "email" || smtp) && (
        <label>
          {t(`channels.secret.${kind}`)}
          <input name="secret" value={secret} onChange={(e) => setSecret(e.target.value)} required={kind !== "email"} minLength={kind === "webhook" ? 16 : undefined} type={kind === "webhook" ? "text" : "password"} autoComplete="off" className={kind === "webhook" ? "mono" : ""} />
        </label>
      )}
      {error && <div className="form-error">{error}</div>}
      <div className="row-wrap">
        <button type="submit" className="btn btn-primary btn-small" disabled={busy}>{t("common.add")}</button>
        <button type="button" className="btn btn-ghost btn-small" onClick={onDone}>{t("common.cancel")}</button>
      </div>
    </form>
  );
}
