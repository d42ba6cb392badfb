// @vitest-environment jsdom
// The chart's own behaviour (the canvas library is replaced by a recorder: jsdom has no canvas).
import { cleanup, render } from "@testing-library/react";
import { TickMarkType, type TickMarkFormatter } from "lightweight-charts";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { I18nProvider } from "../i18n";
import type { Bar } from "../lib/chartData";
import { CandleChart, type CandleChartProps } from "./CandleChart";

const lib = vi.hoisted(() => ({ fits: 0, setData: 0, created: 0, options: [] as unknown[] }));

vi.mock("lightweight-charts", async (importOriginal) => {
  const real = await importOriginal<typeof import("lightweight-charts")>();
  const series = () => ({ setData: () => void lib.setData++, createPriceLine: () => ({}), removePriceLine: () => undefined });
  return {
    ...real,
    createChart: (_el: HTMLElement, options: unknown) => {
      lib.created++;
      lib.options.push(options);
      return {
        addSeries: series,
        priceScale: () => ({ applyOptions: () => undefined }),
        timeScale: () => ({ fitContent: () => void lib.fits++ }),
        remove: () => undefined,
      };
    },
    createSeriesMarkers: () => ({ detach: () => undefined }),
  };
});

beforeEach(() => Object.assign(lib, { fits: 0, setData: 0, created: 0, options: [] }));
afterEach(cleanup);

const T0 = Date.parse("2026-01-15T12:00:00Z") / 1000;
const bars = (n: number, step = 1): Bar[] => Array.from({ length: n }, (_, i) => ({ time: T0 + i * step, open: 1, high: 2, low: 0.5, close: 1.5 }));

function chart(props: Partial<CandleChartProps> & { lang?: "en" | "ru" }) {
  const { lang = "en", ...rest } = props;
  return (
    <I18nProvider lang={lang}>
      <CandleChart bars={[]} {...rest} />
    </I18nProvider>
  );
}

it("fits the view to the first bars only: live updates keep the trader's zoom and scroll", () => {
  const view = render(chart({ bars: [] }));
  expect(lib.fits).toBe(0); // nothing to fit yet
  view.rerender(chart({ bars: bars(10) }));
  expect(lib.fits).toBe(1);
  for (let n = 11; n <= 15; n++) view.rerender(chart({ bars: bars(n) })); // a new second each time
  expect(lib.fits).toBe(1);
  expect(lib.setData).toBeGreaterThan(5 * 3 - 1); // the data itself is updated every time
});

it("fits the view again when the bars are of another series", () => {
  const view = render(chart({ bars: bars(10, 300), seriesKey: "7/5m" }));
  view.rerender(chart({ bars: bars(11, 300), seriesKey: "7/5m" }));
  expect(lib.fits).toBe(1);
  view.rerender(chart({ bars: bars(10, 3600), seriesKey: "7/1h" }));
  expect(lib.fits).toBe(2);
  view.rerender(chart({ bars: bars(11, 3600), seriesKey: "7/1h" }));
  expect(lib.fits).toBe(2);
});

it("fits a chart made anew (another time zone, seconds shown or not)", () => {
  const view = render(chart({ bars: bars(10), timeZone: "UTC" }));
  view.rerender(chart({ bars: bars(10), timeZone: "Europe/Moscow" }));
  expect(lib.created).toBe(2);
  expect(lib.fits).toBe(2);
});

function tickFormatter(): TickMarkFormatter {
  return (lib.options.at(-1) as { timeScale: { tickMarkFormatter: TickMarkFormatter } }).timeScale.tickMarkFormatter;
}

it("labels the time axis with dates at the starts of days, months and years, and clock times between", () => {
  render(chart({ bars: bars(3, 3600), timeZone: "Europe/Moscow", seconds: false }));
  const f = tickFormatter();
  const at = (iso: string) => Date.parse(iso) / 1000;
  expect(f(at("2026-01-15T09:00:00Z") as never, TickMarkType.Time, "en")).toBe("12:00");
  expect(f(at("2026-01-15T09:00:07Z") as never, TickMarkType.TimeWithSeconds, "en")).toBe("12:00:07");
  // the chart marks days at UTC midnights: 03:00 in Moscow, so the mark says so
  expect(f(at("2026-01-15T00:00:00Z") as never, TickMarkType.DayOfMonth, "en")).toBe("15 Jan 03:00"); // en-GB
  expect(f(at("2026-02-01T00:00:00Z") as never, TickMarkType.Month, "en")).toBe("1 Feb 03:00");
  expect(f(at("2026-01-01T00:00:00Z") as never, TickMarkType.Year, "en")).toBe("1 Jan 2026 03:00");
  // a mark that is a midnight in the zone: the date alone
  expect(f(at("2026-01-14T21:00:00Z") as never, TickMarkType.DayOfMonth, "en")).toBe("15 Jan");
});

it("never labels the evening before a day as that day west of UTC", () => {
  render(chart({ bars: bars(3, 3600), timeZone: "America/New_York", seconds: false }));
  const f = tickFormatter();
  const at = (iso: string) => Date.parse(iso) / 1000;
  // 7 Dec 00:00 UTC is 6 Dec 19:00 in New York: it said "6 Dec", as if the day began there
  expect(f(at("2026-12-07T00:00:00Z") as never, TickMarkType.DayOfMonth, "en")).toBe("6 Dec 19:00");
  expect(f(at("2027-01-01T00:00:00Z") as never, TickMarkType.Year, "en")).toBe("31 Dec 2026 19:00");
  expect(f(at("2026-01-15T00:00:00Z") as never, TickMarkType.DayOfMonth, "en")).toBe("14 Jan 19:00");
});

it("writes the dates of the axis in the UI language", () => {
  render(chart({ bars: bars(3, 86_400), timeZone: "UTC", lang: "ru" }));
  expect(tickFormatter()((Date.parse("2026-01-15T00:00:00Z") / 1000) as never, TickMarkType.DayOfMonth, "ru")).toBe("15 янв.");
});
