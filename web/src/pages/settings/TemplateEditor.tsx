import { useRef } from "react";
import { useI18n } from "../../i18n";
import { DEFAULT_TEMPLATE, PLACEHOLDERS, PREVIEW_ALERT, renderTemplate, templateProblem } from "../../lib/template";

/** A template textarea with placeholder chips (insert at the cursor) and a live preview. */
export function TemplateEditor({ value, onChange, timeZone, serverError, testId }: { value: string; onChange: (v: string) => void; timeZone: string; serverError?: string; testId?: string }) {
  const { t } = useI18n();
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
  let problemText: string | null = null;
  if (problem?.kind === "unknown") problemText = t("template.unknown", { name: problem.name });
  else if (problem?.kind === "spec") problemText = t("template.spec", { name: problem.name });
  else if (problem?.kind === "malformed") problemText = t("template.malformed");
  return (
    <div className="template-editor" data-testid={testId}>
      <div className="chips small">
        {PLACEHOLDERS.map((p) => (
          <button key={p} type="button" className="chip chip-code" onClick={() => insert(p)} title={t(`template.ph.${p}` as never)}>
            {`{${p}}`}
          </button>
        ))}
      </div>
      <textarea ref={area} rows={3} maxLength={2000} value={value} onChange={(e) => onChange(e.target.value)} className={problem ? "invalid mono" : "mono"} spellCheck={false} />
      {(problemText || serverError) && <div className="field-error">{problemText ?? serverError}</div>}
      <div className="preview">
        <span className="muted small">{t("template.preview")}</span>
        <div className="preview-msg" data-testid="template-preview">{renderTemplate(value, PREVIEW_ALERT, timeZone)}</div>
      </div>
      {value !== DEFAULT_TEMPLATE && (
        <button type="button" className="btn btn-ghost btn-small" onClick={() => onChange(DEFAULT_TEMPLATE)}>
          {t("template.reset")}
        </button>
      )}
    </div>
  );
}
