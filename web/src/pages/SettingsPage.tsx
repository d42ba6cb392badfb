import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import { useBlocker, type BlockerFunction } from "react-router-dom";
import { api, ApiError } from "../api/client";
import type { SettingsEnvelope } from "../api/contract";
import { API } from "../api/paths";
import { rememberAccountTimeZone } from "../app/accountZone";
import { errorText, ResourceView } from "../components/States";
import { useI18n } from "../i18n";
import { defaultSettings, errorsByPath, isDirty, unshownErrors, type SettingsDoc } from "../lib/settingsDoc";
import { useResource } from "../lib/useResource";
import { Channels } from "./settings/Channels";
import { DryRun } from "./settings/DryRun";
import { General } from "./settings/General";
import { Lists } from "./settings/Lists";
import { Strategies } from "./settings/Strategies";
import { TemplateEditor } from "./settings/TemplateEditor";
import { Thresholds } from "./settings/Thresholds";

interface Loaded {
  envelope: SettingsEnvelope<SettingsDoc> | null; // null: the server cannot store settings yet
}

export default function SettingsPage() {
  const { t } = useI18n();
  const resource = useResource<Loaded>(async (signal) => {
    try {
      const envelope = await api.get<SettingsEnvelope<SettingsDoc>>(API.settings, { signal });
      rememberAccountTimeZone(envelope.document?.timezone);
      return { envelope };
    } catch (err) {
      if (err instanceof ApiError && err.notImplemented) return { envelope: null };
      throw err;
    }
  }, []);
  return (
    <div className="page page-settings">
      <div className="page-head">
        <h1>{t("settings.title")}</h1>
        <nav className="anchors">
          {(["general", "thresholds", "lists", "strategies", "template", "channels", "dry-run"] as const).map((a) => (
            <a key={a} href={`#${a}`}>{t(`settings.anchor.${a}`)}</a>
          ))}
        </nav>
      </div>
      <ResourceView resource={resource}>{(loaded) => <Editor loaded={loaded} onSaved={resource.setData} />}</ResourceView>
    </div>
  );
}

function Editor({ loaded, onSaved }: { loaded: Loaded; onSaved: (l: Loaded) => void }) {
  const { t } = useI18n();
  const original = loaded.envelope?.document ?? defaultSettings();
  const [draft, setDraft] = useState<SettingsDoc>(original);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const [saving, setSaving] = useState(false);
  const canSave = loaded.envelope !== null;
  const dirty = isDirty(draft, original);

  useEffect(() => setDraft(original), [loaded]); // eslint-disable-line react-hooks/exhaustive-deps

  // Unsaved-changes guard: in-app navigation asks, closing the tab asks the browser's way.
  // The router keeps the blocker function registered by the last *passive* effect; after a save
  // (an async update) the browser may run a click before React flushes those effects, so the
  // function reads `dirty` from a ref set at commit time instead of its own stale closure.
  const dirtyRef = useRef(dirty);
  useLayoutEffect(() => {
    dirtyRef.current = dirty;
  }, [dirty]);
  const shouldBlock = useCallback<BlockerFunction>(({ currentLocation, nextLocation }) => dirtyRef.current && currentLocation.pathname !== nextLocation.pathname, []);
  const blocker = useBlocker(shouldBlock);
  useEffect(() => {
    if (blocker.state !== "blocked") return;
    if (window.confirm(t("settings.leaveUnsaved"))) blocker.proceed();
    else blocker.reset();
  }, [blocker, t]);
  useEffect(() => {
    const handler = (e: BeforeUnloadEvent) => {
      if (!dirtyRef.current) return;
      e.preventDefault();
      e.returnValue = "";
    };
    window.addEventListener("beforeunload", handler);
    return () => window.removeEventListener("beforeunload", handler);
  }, []);

  const set = useCallback((d: SettingsDoc) => {
    setDraft(d);
    setMessage(null);
  }, []);

  async function save() {
    if (!loaded.envelope) return;
    setSaving(true);
    setErrors({});
    setMessage(null);
    try {
      // the whole document; If-Match refuses to overwrite a version saved elsewhere meanwhile (412)
      const saved = await api.put<SettingsEnvelope<SettingsDoc>>(API.settings, draft, { headers: { "If-Match": `"v${loaded.envelope.version}"` } });
      // the server's normalised document is the new baseline: set both in the same render, so
      // no render in between counts the normalisation as an unsaved change
      setDraft(saved.document);
      rememberAccountTimeZone(saved.document.timezone);
      onSaved({ envelope: saved });
      setMessage({ kind: "ok", text: t("settings.saved") });
    } catch (err) {
      if (err instanceof ApiError && err.status === 422) {
        const byPath = errorsByPath(err.details);
        setErrors(byPath);
        // reasons about the whole document (`body`: too many rules, a strategy named like a
        // threshold rule, …) or a part no field shows go into the save bar itself
        const unshown = unshownErrors(byPath, draft);
        const marked = Object.keys(byPath).length > unshown.length;
        const text = unshown.length ? [t("settings.notSaved", { reason: unshown.join("; ") }), ...(marked ? [t("settings.invalid")] : [])].join(" ") : t("settings.invalid");
        setMessage({ kind: "error", text });
      } else if (err instanceof ApiError && (err.status === 409 || err.status === 412)) {
        setMessage({ kind: "error", text: t("settings.conflict") });
      } else {
        setMessage({ kind: "error", text: errorText(t, err) });
      }
    } finally {
      setSaving(false);
    }
  }

  return (
    <>
      {!canSave && <div className="banner" role="status">{t("settings.cannotSave")}</div>}
      <General doc={draft} set={set} errors={errors} />
      <Thresholds doc={draft} set={set} errors={errors} />
      <Lists doc={draft} set={set} errors={errors} />
      <Strategies doc={draft} set={set} errors={errors} />
      <section className="panel" id="template">
        <h2>{t("settings.template")}</h2>
        <TemplateEditor value={draft.message_template} onChange={(v) => set({ ...draft, message_template: v })} timeZone={draft.timezone} serverError={errors.message_template} testId="template-editor" />
      </section>
      <Channels />
      <DryRun doc={draft} />
      <div className={`savebar ${dirty || message ? "savebar-on" : ""}`} data-testid="savebar">
        {message ? (
          <span className={message.kind === "ok" ? "ok" : "field-error"} data-testid="save-message" data-kind={message.kind}>
            {message.text}
          </span>
        ) : (
          dirty && <span>{t("settings.unsaved")}</span>
        )}
        <div className="spacer" />
        <button type="button" className="btn btn-ghost" disabled={!dirty || saving} onClick={() => (setDraft(original), setErrors({}), setMessage(null))}>
          {t("settings.discard")}
        </button>
        <button type="button" className="btn btn-primary" disabled={!dirty || saving || !canSave} onClick={() => void save()} data-testid="save-settings">
          {saving ? t("common.wait") : t("settings.save")}
        </button>
      </div>
    </>
  );
}
