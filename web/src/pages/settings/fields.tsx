// Small controlled inputs used across the settings editors.
import { useEffect, useState } from "react";

/** A typed number: a decimal comma is taken like a point ("1,5" = 1.5); NaN when it is none. */
export function parseNumber(text: string): number {
  const t = text.trim();
  return t === "" ? NaN : Number(t.replace(",", "."));
}

export function NumberInput({ value, onChange, min, max, step, nullable = false, integer = false, className = "num", label, invalid }: {
  value: number | null;
  onChange: (v: number | null) => void;
  min?: number;
  max?: number;
  step?: number;
  nullable?: boolean;
  /** Whole numbers only: what is typed is rounded ("1,5" → 2), and shown so on leaving the box. */
  integer?: boolean;
  className?: string;
  label?: string;
  invalid?: boolean;
}) {
  const toValue = (n: number) => (integer ? Math.round(n) : n);
  // keep the text while typing ("0." is not a number yet, "1,5" is 2 in whole seconds)
  const [text, setText] = useState(value === null ? "" : String(value));
  useEffect(() => {
    setText((prev) => {
      const typed = parseNumber(prev);
      return Number.isFinite(typed) && toValue(typed) === value ? prev : value === null ? "" : String(value);
    });
  }, [value]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <input
      type="text"
      inputMode="decimal"
      className={`${className} ${invalid ? "invalid" : ""}`}
      aria-label={label}
      aria-invalid={invalid || undefined}
      value={text}
      onChange={(e) => {
        const raw = e.target.value;
        setText(raw);
        if (raw.trim() === "") {
          if (nullable) onChange(null);
          return;
        }
        const n = parseNumber(raw);
        if (Number.isFinite(n)) onChange(toValue(n));
      }}
      onBlur={() => {
        let n = value;
        if (n !== null) n = toValue(n);
        if (n !== null && min !== undefined && n < min) n = min;
        if (n !== null && max !== undefined && n > max) n = max;
        if (n !== value) onChange(n);
        setText(n === null ? "" : String(n));
      }}
      data-step={step}
    />
  );
}

export function Check({ checked, onChange, label, testId }: { checked: boolean; onChange: (v: boolean) => void; label?: string; testId?: string }) {
  return (
    <label className="check">
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} data-testid={testId} />
      {label && <span>{label}</span>}
    </label>
  );
}

export function FieldError({ text }: { text?: string }) {
  return text ? <div className="field-error">{text}</div> : null;
}
