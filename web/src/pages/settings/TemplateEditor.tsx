import { Fragment, useRef, type ReactNode } from "react";
import type { AlertPublic } from "../../api/contract";
import { useI18n, type TKey } from "../../i18n";
import { DEFAULT_TEMPLATE, parseMessage, PLACEHOLDERS, PREVIEW_ALERT, renderTelegramHtml, renderTemplate, templateProblem, type MessageNode, type TemplateProblem } from "../../lib/template";

/**
 * A template textarea with placeholder chips (insert at the cursor) and a live preview of the
 * message exactly as the server renders it for Telegram: the user's language, the time zone, the
 * HTML subset shown as formatting. `inherits`: the template an empty one falls back to (a
 * strategy's → the main template; the main one → the built-in message).
 */
export function TemplateEditor({
  value,
  onChange,
  timeZone,
  serverError,
  testId,
  sample,
  inherits,
}: {
  value: string;
  onChange: (v: string) => void;
  timeZone: string;
  serverError?: string;
  testId?: string;
  /** Fields of the example alert (a strategy's name and series). */
  sample?: Partial<AlertPublic>;
  inherits?: string;
}) {
  const { t, lang } = useI18n();
  const area = useRef<HTMLTextAreaElement>(null);
  const problem = templateProblem(value);
  const insert = (name: string) => {
    const el = area.current;
    const token = `{${name}}`;
    if (!el) return onChange(value + token);
    const start = el.selectionStart ?? value.length;
    const end = el.selectionEnd ?? value.length;
    onChange(value.slice(0, start) + token + value.slice(end));
    requestAnimationFrame(() => {
      el.focus();
      el.setSelectionRange(start + token.length, start + token.length);
    });
  };
  const alert = sample ? { ...PREVIEW_ALERT, ...sample } : PREVIEW_ALERT;
  const used = value === "" && inherits !== undefined ? inherits : value;
  return (
    <div className="template-editor" data-testid={testId}>
      <div className="chips small">
        {PLACEHOLDERS.map((p) => (
          <button key={p} type="button" className="chip chip-code" onClick={() => insert(p)} title={t(`template.ph.${p}` as TKey)}>
            {`{${p}}`}
          </button>
        ))}
      </div>
      <textarea ref={area} rows={3} maxLength={2000} value={value} onChange={(e) => onChange(e.target.value)} className={problem ? "invalid mono" : "mono"} spellCheck={false} aria-invalid={problem !== null} />
      {(problem || serverError) && <div className="field-error" data-testid="template-problem">{problem ? problemText(problem, t) : serverError}</div>}
      {value === "" && <div className="muted small">{t(inherits !== undefined ? "template.inherits" : "template.builtin")}</div>}
      <div className="preview">
        <span className="muted small">{t("template.preview")}</span>
        <div className="preview-msg" data-testid="template-preview" lang={lang}>
          {/* a template the server refuses is never sent: show it filled in, as plain text */}
          {problem ? renderTemplate(value, alert, timeZone, lang) : <Message nodes={parseMessage(renderTelegramHtml(used, alert, timeZone, lang))} />}
        </div>
      </div>
      {value !== DEFAULT_TEMPLATE && inherits === undefined && (
        <button type="button" className="btn btn-ghost btn-small" onClick={() => onChange(DEFAULT_TEMPLATE)}>
          {t("template.reset")}
        </button>
      )}
    </div>
  );
}

function problemText(problem: TemplateProblem, t: (key: TKey, params?: Record<string, string | number>) => string): string {
  switch (problem.kind) {
    case "unknown":
      return t("template.unknown", { name: problem.name });
    case "spec":
      return t("template.spec", { name: problem.name });
    case "malformed":
      return t("template.malformed");
    case "unquoted":
      return t("template.unquoted", { at: problem.at, tag: problem.tag });
    case "html": {
      const { reason, ...params } = problem.problem;
      return t(`template.html.${reason}` as TKey, params);
    }
  }
}

const SAFE_HREF = /^(https?:|tg:|mailto:)/i;

/**
 * A rendered message as React elements: Telegram's tags become formatting, text stays text (React
 * escapes it; no HTML of the template or the values ever reaches innerHTML), and a link opens only
 * when it is http(s), tg: or mailto:.
 */
export function Message({ nodes }: { nodes: MessageNode[] }): ReactNode {
  return nodes.map((n, i) => {
    if (typeof n === "string") return <Fragment key={i}>{n}</Fragment>;
    const inner = <Message nodes={n.children} />;
    switch (n.tag) {
      case "b":
      case "strong":
        return <b key={i}>{inner}</b>;
      case "i":
      case "em":
        return <i key={i}>{inner}</i>;
      case "u":
      case "ins":
        return <u key={i}>{inner}</u>;
      case "s":
      case "strike":
      case "del":
        return <s key={i}>{inner}</s>;
      case "code":
        return <code key={i}>{inner}</code>;
      case "pre":
        return <pre key={i}>{inner}</pre>;
      case "blockquote":
        return <blockquote key={i}>{inner}</blockquote>;
      case "span":
      case "tg-spoiler":
        return <span key={i} className="tg-spoiler">{inner}</span>;
      case "a": {
        const href = n.attrs.href ?? "";
        return SAFE_HREF.test(href) ? (
          <a key={i} href={href} target="_blank" rel="noopener noreferrer">{inner}</a>
        ) : (
          <span key={i} className="link-inert" title={href}>{inner}</span>
        );
      }
      default:
        return <Fragment key={i}>{inner}</Fragment>; // tg-emoji: its fallback emoji
    }
  });
}
