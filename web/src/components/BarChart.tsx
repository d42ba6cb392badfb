// A small dependency-free SVG bar chart (alerts per day); hover shows the value.

export interface BarDatum {
  label: string;
  value: number;
}

export function BarChart({ data, height = 160, format = String }: { data: BarDatum[]; height?: number; format?: (n: number) => string }) {
  const max = Math.max(1, ...data.map((d) => d.value));
  const every = Math.max(1, Math.ceil(data.length / 12)); // at most ~12 labels
  return (
    <div className="barchart" role="img" aria-label={data.map((d) => `${d.label}: ${format(d.value)}`).join(", ")}>
      <div className="barchart-bars" style={{ height }}>
        {data.map((d) => (
          <div key={d.label} className="barchart-col" title={`${d.label}: ${format(d.value)}`}>
            <div className="bar" style={{ height: `${(d.value / max) * 100}%` }} />
          </div>
        ))}
      </div>
      <div className="barchart-labels">
        {data.map((d, i) => (
          <span key={d.label}>{i % every === 0 ? d.label : ""}</span>
        ))}
      </div>
    </div>
  );
}

/** A tiny line for price-alert rows. */
export function Sparkline({ values, width = 90, height = 24 }: { values: number[]; width?: number; height?: number }) {
  if (values.length < 2) return <svg width={width} height={height} />;
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  const points = values.map((v, i) => `${((i / (values.length - 1)) * width).toFixed(1)},${(height - ((v - min) / span) * (height - 2) - 1).toFixed(1)}`).join(" ");
  const up = values[values.length - 1]! >= values[0]!;
  return (
    <svg width={width} height={height} className="sparkline" aria-hidden="true">
      <polyline points={points} fill="none" stroke={up ? "var(--up)" : "var(--down)"} strokeWidth="1.5" />
    </svg>
  );
}
