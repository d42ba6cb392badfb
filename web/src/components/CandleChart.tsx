import { CandlestickSeries, createChart, createSeriesMarkers, HistogramSeries, LineSeries, TickMarkType, type IChartApi, type ISeriesApi, type Time, type UTCTimestamp } from "lightweight-charts";
import { useEffect, useRef } from "react";
import { useI18n } from "../i18n";
import { DOWN_COLOR, UP_COLOR, type Bar, type SpikeMarker, type VolumeBar } from "../lib/chartData";
import { formatDateTime, formatPrice, formatTickMark, type TickKind } from "../lib/format";

const TICK_KINDS: Record<TickMarkType, TickKind> = {
  [TickMarkType.Year]: "year",
  [TickMarkType.Month]: "month",
  [TickMarkType.DayOfMonth]: "day",
  [TickMarkType.Time]: "time",
  [TickMarkType.TimeWithSeconds]: "seconds",
};

export interface CandleChartProps {
  bars: Bar[];
  volume?: VolumeBar[];
  markers?: SpikeMarker[];
  /** Extra line series (moving average). */
  line?: { time: number; value: number }[];
  priceLine?: { price: number; title: string } | null;
  timeZone?: string;
  height?: number;
  /** Show seconds on the time axis (1-second candles). */
  seconds?: boolean;
  /**
   * What the bars are of (symbol, timeframe, …): the view is fitted to the data when the chart
   * first gets bars and when this changes, never on a mere update (live bars), so the trader's
   * zoom and scroll stay.
   */
  seriesKey?: string;
}

/** A dark candlestick chart (lightweight-charts) that resizes with its box. */
export function CandleChart({ bars, volume, markers, line, priceLine, timeZone, height = 380, seconds = true, seriesKey = "" }: CandleChartProps) {
  const { locale } = useI18n();
  const box = useRef<HTMLDivElement>(null);
  const chartRef = useRef<IChartApi | null>(null);
  const series = useRef<{ candles: ISeriesApi<"Candlestick">; volume: ISeriesApi<"Histogram">; line: ISeriesApi<"Line"> } | null>(null);
  /** The series the view was last fitted to (null: a new chart, not fitted yet). */
  const fittedTo = useRef<string | null>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const chart = createChart(el, {
      autoSize: true,
      layout: { background: { color: "transparent" }, textColor: "#8a94a6", fontFamily: "inherit", attributionLogo: false },
      grid: { vertLines: { color: "#1a2030" }, horzLines: { color: "#1a2030" } },
      rightPriceScale: { borderColor: "#1f2633" },
      timeScale: {
        borderColor: "#1f2633",
        timeVisible: true,
        secondsVisible: seconds,
        rightOffset: 4,
        // days, months and years at their starts (1h/4h/1d candles), the clock time between
        tickMarkFormatter: (t: Time, type: TickMarkType) => formatTickMark(Number(t) * 1000, TICK_KINDS[type] ?? "time", locale, timeZone),
      },
      crosshair: { mode: 0 },
      localization: {
        locale,
        timeFormatter: (t: Time) => formatDateTime(Number(t) * 1000, locale, timeZone),
        priceFormatter: (p: number) => formatPrice(p, locale),
      },
    });
    const candles = chart.addSeries(CandlestickSeries, {
      upColor: UP_COLOR,
      downColor: DOWN_COLOR,
      wickUpColor: UP_COLOR,
      wickDownColor: DOWN_COLOR,
      borderVisible: false,
    });
    const vol = chart.addSeries(HistogramSeries, { priceScaleId: "vol", priceFormat: { type: "volume" }, lastValueVisible: false, priceLineVisible: false });
    chart.priceScale("vol").applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    const ma = chart.addSeries(LineSeries, { color: "#f5a524", lineWidth: 2, lastValueVisible: false, priceLineVisible: false });
    chartRef.current = chart;
    series.current = { candles, volume: vol, line: ma };
    fittedTo.current = null;
    return () => {
      chart.remove();
      chartRef.current = null;
      series.current = null;
    };
  }, [locale, timeZone, seconds]);

  useEffect(() => {
    const s = series.current;
    if (!s) return;
    s.candles.setData(bars.map((b) => ({ ...b, time: b.time as UTCTimestamp })));
    s.volume.setData((volume ?? []).map((v) => ({ ...v, time: v.time as UTCTimestamp })));
    s.line.setData((line ?? []).map((p) => ({ ...p, time: p.time as UTCTimestamp })));
    const plugin = createSeriesMarkers(s.candles, (markers ?? []).map((m) => ({ ...m, time: m.time as UTCTimestamp })));
    const pl = priceLine ? s.candles.createPriceLine({ price: priceLine.price, title: priceLine.title, color: "#4c9aff", lineStyle: 2, lineWidth: 1, axisLabelVisible: true }) : null;
    if (bars.length > 0 && fittedTo.current !== seriesKey) {
      chartRef.current?.timeScale().fitContent();
      fittedTo.current = seriesKey;
    }
    return () => {
      // on unmount the chart effect's cleanup has already removed the chart (and everything on it)
      if (series.current !== s) return;
      plugin.detach();
      if (pl) s.candles.removePriceLine(pl);
    };
  }, [bars, volume, markers, line, priceLine, locale, timeZone, seconds, seriesKey]);

  return <div ref={box} className="chart" style={{ height }} data-testid="candle-chart" />;
}
