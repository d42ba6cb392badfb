import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { capabilities } from "../../api/capabilities";
import { api, ApiError } from "../../api/client";
import type { ChannelCreate, ChannelKind, ChannelPublic, ChannelTestResult, TelegramLink } from "../../api/contract";
import { API } from "../../api/paths";
import { errorText, ResourceView } from "../../components/States";
import { useI18n } from "../../i18n";
import { formatDateTime } from "../../lib/format";
import { useResource } from "../../lib/useResource";
import { channelHealth, channelTarget, countdown, DIGEST_CHOICES, digestMinutes, newlyLinked, newWebhookSecret, parseChatId, withDigest } from "../../lib/channels";

/** How often the list is re-read while a Telegram link code waits for `/start`. */
export const LINK_POLL_MS = 3000;
const HEALTH_CLASS = { ok: "active", retrying: "degraded", failing: "down", unknown: "unknown" } as const;

/** Copy to the clipboard; false when the browser refuses (no permission, insecure page). */
async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

type TestOutcome = { ok: boolean; text: string };

/** The user's delivery channels (channels/endpoints.py): link Telegram, own bot, e-mail, webhook. */
export function Channels() {
  const { t } = useI18n();
  const channels = useResource<ChannelPublic[]>((signal) => api.get<ChannelPublic[]>(API.channels, { signal }), []);
  const [adding, setAdding] = useState<ChannelKind | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [tests, setTests] = useState<Record<number, TestOutcome | "busy">>({});

  async function act(fn: () => Promise<unknown>, done?: string) {
    setNote(null);
    try {
      await fn();
      if (done) setNote(done);
    } catch (err) {
      setNote(err instanceof ApiError && err.status === 422 ? Object.values(err.fieldErrors).join("; ") || err.message : errorText(t, err));
    }
    channels.reload();
  }

  async function sendTest(c: ChannelPublic) {
    setTests((m) => ({ ...m, [c.id]: "busy" }));
    let outcome: TestOutcome;
    try {
      const r = await api.post<ChannelTestResult>(API.channelTest(c.id), {});
      outcome = r.ok ? { ok: true, text: t("channels.testOk") } : { ok: false, text: r.detail || t("channels.testFailed") };
    } catch (err) {
      outcome = { ok: false, text: err instanceof ApiError && err.status === 429 ? t("channels.testRateLimited", { s: err.retryAfterS ?? 60 }) : errorText(t, err) };
    }
    setTests((m) => ({ ...m, [c.id]: outcome }));
    channels.reload(); // the test updates the channel's delivery status
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
                    <ChannelRow
                      key={c.id}
                      channel={c}
                      test={tests[c.id]}
                      onTest={() => void sendTest(c)}
                      onToggle={() => void act(() => api.patch(API.channel(c.id), { enabled: !c.enabled }))}
                      onDigest={(minutes) => void act(() => api.patch(API.channel(c.id), { config: withDigest(c.config as Record<string, unknown>, minutes) }), t("channels.digestSaved"))}
                      onRemove={() => window.confirm(t("channels.confirmDelete", { name: c.name })) && void act(() => api.delete(API.channel(c.id)))}
                    />
                  ))}
                </tbody>
              </table>
            )}
            <TelegramLinker list={list} onLinked={(linked) => (channels.setData(linked), setNote(null))} />
            <div className="row-wrap">
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

function ChannelRow({ channel: c, test, onTest, onToggle, onDigest, onRemove }: { channel: ChannelPublic; test?: TestOutcome | "busy"; onTest: () => void; onToggle: () => void; onDigest: (minutes: number) => void; onRemove: () => void }) {
  const { t, locale } = useI18n();
  const health = channelHealth(c.last_status);
  const config = c.config as Record<string, unknown>;
  const digest = digestMinutes(config);
  const choices = (DIGEST_CHOICES as readonly number[]).includes(digest) ? DIGEST_CHOICES : [...DIGEST_CHOICES, digest].sort((a, b) => a - b);
  return (
    <tr className={c.enabled ? "" : "row-deleted"} data-testid="channel-row" data-kind={c.kind} data-channel-id={c.id}>
      <td>
        {t(`channel.${c.kind}`)}
        {c.kind === "telegram" && <div className="muted small">{config.bot === "own" ? t("channels.viaOwnBot") : t("channels.viaServiceBot")}</div>}
      </td>
      <td>
        {c.name}
        <div className="muted small mono">{channelTarget(c)}{c.secret_masked ? ` · ${c.secret_masked}` : ""}</div>
      </td>
      <td data-testid="channel-status" data-health={health}>
        <span className={`status status-${HEALTH_CLASS[health]}`}>{t(`channels.health.${health}`)}</span>
        {c.last_status_at && <span className="muted small"> {formatDateTime(c.last_status_at, locale)}</span>}
        {c.last_error && health !== "ok" && <div className="field-error small">{c.last_error}</div>}
        {test && test !== "busy" && (
          <div className={`small ${test.ok ? "ok" : "field-error"}`} role="status" data-testid="channel-test-result" data-ok={String(test.ok)}>
            {test.text}
          </div>
        )}
      </td>
      <td className="actions">
        {c.kind === "email" && (
          <label className="inline small" title={t("channels.digestHint")}>
            {t("channels.digest")}{" "}
            <select value={digest} onChange={(e) => onDigest(Number(e.target.value))} data-testid="email-digest">
              {choices.map((m) => (
                <option key={m} value={m}>{m === 0 ? t("channels.digestOff") : t("channels.digestEvery", { count: m })}</option>
              ))}
            </select>
          </label>
        )}
        {capabilities.serves(API.channelTest(c.id)) && (
          <button type="button" className="btn btn-small" onClick={onTest} disabled={test === "busy" || !c.enabled} data-testid="channel-test">
            {test === "busy" ? t("common.wait") : t("channels.test")}
          </button>
        )}
        <button type="button" className="btn btn-small btn-ghost" onClick={onToggle}>
          {c.enabled ? t("channels.disable") : t("channels.enable")}
        </button>
        <button type="button" className="btn btn-small btn-ghost" onClick={onRemove}>
          {t("common.remove")}
        </button>
      </td>
    </tr>
  );
}

type LinkState =
  | { phase: "idle" }
  | { phase: "busy" }
  | { phase: "waiting"; link: TelegramLink; before: Set<number>; deadline: number }
  | { phase: "linked"; channel: ChannelPublic }
  | { phase: "error"; text: string };

/**
 * "Link Telegram": a one-time code for the service bot (notify/telegram_bot.py `/start <code>`).
 * The deep link opens the bot; groups and channels get the `/start <code>` text. Until the code
 * expires the channel list is re-read, and the new chat shows up as soon as the bot linked it.
 */
export function TelegramLinker({ list, onLinked }: { list: ChannelPublic[]; onLinked: (list: ChannelPublic[]) => void }) {
  const { t } = useI18n();
  const [state, setState] = useState<LinkState>({ phase: "idle" });
  const [now, setNow] = useState(() => Date.now());
  const [copied, setCopied] = useState<string | null>(null);
  const listRef = useRef(list);
  listRef.current = list;
  const onLinkedRef = useRef(onLinked);
  onLinkedRef.current = onLinked;
  const waiting = state.phase === "waiting" ? state : null;
  const left = waiting ? countdown(waiting.deadline, now) : null;
  const expired = waiting !== null && left === null;

  const start = useCallback(async () => {
    setState({ phase: "busy" });
    setCopied(null);
    try {
      const link = await api.post<TelegramLink>(API.telegramLink, {});
      const arrived = Date.now();
      setNow(arrived);
      // counted from the answer's arrival on this clock, which may be minutes off the server's
      // (its absolute expires_at would look expired, or too long, then)
      const deadline = arrived + link.expires_in_s * 1000;
      setState({ phase: "waiting", link, before: new Set(listRef.current.map((c) => c.id)), deadline });
    } catch (err) {
      setState({ phase: "error", text: err instanceof ApiError && err.status === 503 ? t("channels.linkNoBot") : errorText(t, err) });
    }
  }, [t]);

  // the countdown
  useEffect(() => {
    if (!waiting || expired) return;
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, [waiting, expired]);

  // re-read the channels until the linked chat appears (or the code expires)
  useEffect(() => {
    if (!waiting || expired) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const controller = new AbortController();
    const poll = async () => {
      try {
        const fresh = await api.get<ChannelPublic[]>(API.channels, { signal: controller.signal });
        if (stopped) return;
        const linked = newlyLinked(waiting.before, fresh);
        if (linked) {
          onLinkedRef.current(fresh);
          setState({ phase: "linked", channel: linked });
          return;
        }
      } catch {
        if (stopped) return; // a failed poll is retried on the next tick
      }
      timer = setTimeout(() => void poll(), LINK_POLL_MS);
    };
    timer = setTimeout(() => void poll(), LINK_POLL_MS);
    return () => {
      stopped = true;
      clearTimeout(timer);
      controller.abort();
    };
  }, [waiting, expired]);

  if (!capabilities.serves(API.telegramLink)) return null;
  async function copy(what: string, text: string) {
    setCopied((await copyText(text)) ? what : null);
  }
  return (
    <div className="telegram-link" data-testid="telegram-link">
      {state.phase !== "waiting" && (
        <div className="row-wrap">
          <button type="button" className="btn btn-primary btn-small" onClick={() => void start()} disabled={state.phase === "busy"} data-testid="link-telegram">
            {state.phase === "busy" ? t("common.wait") : t("channels.linkTelegram")}
          </button>
          {state.phase === "linked" && (
            <span className="ok" role="status" data-testid="telegram-linked">
              {t("channels.linked", { name: state.channel.name })}
            </span>
          )}
          {state.phase === "error" && (
            <span className="field-error" role="alert" data-testid="telegram-link-error">
              {state.text}
            </span>
          )}
        </div>
      )}
      {waiting && (
        <div className="card" data-testid="telegram-link-code">
          {expired ? (
            <p className="field-error" data-testid="link-expired">{t("channels.linkExpired")}</p>
          ) : (
            <>
              <p>{t("channels.linkStep1")}</p>
              <div className="row-wrap">
                <a className="btn btn-primary btn-small" href={waiting.link.deep_link} target="_blank" rel="noopener noreferrer" data-testid="telegram-deep-link">
                  {t("channels.openTelegram")} ↗
                </a>
                <button type="button" className="btn btn-small" onClick={() => void copy("link", waiting.link.deep_link)}>
                  {copied === "link" ? t("channels.copied") : t("channels.copyLink")}
                </button>
                <code className="mono small">{waiting.link.deep_link}</code>
              </div>
              <p className="muted small">{t("channels.linkGroups")}</p>
              <div className="row-wrap">
                <code className="mono" data-testid="telegram-start-command">/start {waiting.link.code}</code>
                <button type="button" className="btn btn-small" onClick={() => void copy("command", `/start ${waiting.link.code}`)}>
                  {copied === "command" ? t("channels.copied") : t("common.copy")}
                </button>
              </div>
              <p className="muted small" aria-live="polite">
                <span className="spinner" /> {t("channels.linkWaiting")} · <span data-testid="link-countdown">{t("channels.linkExpiresIn", { left: left ?? "0:00" })}</span>
              </p>
            </>
          )}
          <div className="row-wrap">
            {expired && (
              <button type="button" className="btn btn-primary btn-small" onClick={() => void start()} data-testid="link-again">
                {t("channels.linkAgain")}
              </button>
            )}
            <button type="button" className="btn btn-ghost btn-small" onClick={() => setState({ phase: "idle" })}>
              {t("common.cancel")}
            </button>
          </div>
        </div>
      )}
    </div>
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
  const [digest, setDigest] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  function body(): ChannelCreate | null {
    if (kind === "telegram") {
      const chatId = parseChatId(target);
      if (chatId === null) return null;
      return { kind, name, enabled: true, config: { chat_id: chatId, bot: "own" }, secret: secret.trim() };
    }
    if (kind === "email") {
      const base = smtp ? { address: target.trim(), smtp: { host: host.trim(), port: Number(port) || 587, username: username.trim() || null, starttls: true } } : { address: target.trim() };
      return { kind, name, enabled: true, config: withDigest(base, digest), secret: smtp && secret ? secret : null } as ChannelCreate;
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
      {kind === "email" && (
        <label title={t("channels.digestHint")}>
          {t("channels.digest")}
          <select name="digest" value={digest} onChange={(e) => setDigest(Number(e.target.value))}>
            {DIGEST_CHOICES.map((m) => (
              <option key={m} value={m}>{m === 0 ? t("channels.digestOff") : t("channels.digestEvery", { count: m })}</option>
            ))}
          </select>
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
