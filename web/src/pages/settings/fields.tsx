// Small controlled inputs used across the settings editors.
import { useEffect, useState } from "react";

export function NumberInput({ value, onChange, min, max, step, nullable = false, className = "num", label, invalid }: {
  value: number | null;
  onChange: (v: number | null) => void;
  min?: number;
  max?: number;
  step?: number;
  nullable?: boolean;
  className?: string;
  label?: string;
  invalid?: boolean;
}) {
  // keep the text while typing ("0." is not a number yet)
  const [text, setText] = useState(value === null ? "" : String(value));
  useEffect(() => {
    setText((prev) => (Number(prev.replace(",", ".")) === value && prev !== "" ? prev : value === null ? "" : String(value)));
  }, [value]);
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
        const n = Number(raw.replace(",", "."));
        if (Number.isFinite(n)) onChange(n);
      }}
      onBlur={() => {
        let n = value;
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
