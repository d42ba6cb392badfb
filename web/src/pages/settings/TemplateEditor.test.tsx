// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { useState } from "react";
import { afterEach, expect, it } from "vitest";
import type { AlertPublic } from "../../api/contract";
import { I18nProvider, type Lang } from "../../i18n";
import { DEFAULT_TEMPLATE } from "../../lib/template";
import { TemplateEditor } from "./TemplateEditor";

afterEach(cleanup);

function Editor({ initial, sample, inherits, timeZone = "UTC" }: { initial: string; sample?: Partial<AlertPublic>; inherits?: string; timeZone?: string }) {
  const [value, setValue] = useState(initial);
  return <TemplateEditor value={value} onChange={setValue} timeZone={timeZone} sample={sample} inherits={inherits} testId="editor" />;
}

function renderEditor(lang: Lang, props: Parameters<typeof Editor>[0]) {
  render(
    <I18nProvider lang={lang}>
      <Editor {...props} />
    </I18nProvider>,
  );
  return {
    preview: () => screen.getByTestId("template-preview"),
    type: (text: string) => fireEvent.change(screen.getByRole("textbox"), { target: { value: text } }),
  };
}

it("previews in the user's language, like the server's message: direction, market, unknown volume, time zone", () => {
  const ed = renderEditor("ru", { initial: "{direction} · {exchange_market} · {volume_formatted} · {time}", sample: { volume_usd: null }, timeZone: "Europe/Moscow" });
  expect(ed.preview().textContent).toBe("рост · Binance Фьючерсы · н/д · 2026-01-15 15:34:56 MSK");
  cleanup();
  const en = renderEditor("en", { initial: "{direction} · {exchange_market} · {volume_formatted}", sample: { volume_usd: null, direction: "down" } });
  expect(en.preview().textContent).toBe("down · Binance Futures · n/a");
});

it("shows Telegram's tags as formatting and links to the exchange", () => {
  const ed = renderEditor("en", { initial: '<b>{symbol}</b> <i>{delta_formatted}</i>\n<a href="{link}">chart</a> <tg-spoiler>{price}</tg-spoiler>' });
  const bold = ed.preview().querySelector("b")!;
  expect(bold.textContent).toBe("SOLUSDT");
  expect(ed.preview().querySelector("i")!.textContent).toBe("+4.27%");
  const link = ed.preview().querySelector("a")!;
  expect(link.getAttribute("href")).toBe("https://www.binance.com/en/futures/SOLUSDT");
  expect(link.getAttribute("rel")).toBe("noopener noreferrer");
  expect(ed.preview().querySelector(".tg-spoiler")!.textContent).toBe("187.42");
  expect(ed.preview().textContent).toBe("SOLUSDT +4.27%\nchart 187.42");
});

it("never turns text into markup: a strategy name with HTML stays text, unsafe links are not clickable", () => {
  const ed = renderEditor("en", { initial: '<b>{strategy}</b> <a href="javascript:alert(1)">x</a>', sample: { strategy: '<img src=x onerror="alert(1)">&amp;' } });
  expect(ed.preview().querySelector("b")!.textContent).toBe('<img src=x onerror="alert(1)">&amp;');
  expect(ed.preview().querySelector("img")).toBeNull();
  expect(ed.preview().querySelector("a")).toBeNull();
  expect(ed.preview().querySelector(".link-inert")!.textContent).toBe("x");
});

it("flags markup Telegram refuses while typing, in the user's language, and previews it as plain text", () => {
  const ed = renderEditor("en", { initial: "{symbol}" });
  expect(screen.queryByTestId("template-problem")).toBeNull();
  ed.type("<b>{symbol}");
  expect(screen.getByTestId("template-problem").textContent).toBe("<b> is never closed.");
  expect(ed.preview().textContent).toBe("<b>SOLUSDT");
  expect(ed.preview().querySelector("b")).toBeNull();
  ed.type("<div>{symbol}</div>");
  expect(screen.getByTestId("template-problem").textContent).toContain("Telegram does not support <div>");
  ed.type("a & b");
  expect(screen.getByTestId("template-problem").textContent).toBe("Character 3: write &amp; for a literal “&”.");
  cleanup();
  const ru = renderEditor("ru", { initial: "<b>{symbol}</i>" });
  expect(screen.getByTestId("template-problem").textContent).toBe("Символ 12: </i> закрывает <b>; закрывайте теги в обратном порядке.");
  expect(ru.preview().textContent).toBe("<b>SOLUSDT</i>");
});

it("an empty template previews what is sent instead: the built-in message, or the main template for a strategy", () => {
  const ed = renderEditor("ru", { initial: "" });
  expect(screen.getByText("Пусто: отправляется встроенное сообщение на вашем языке.")).toBeTruthy();
  expect(ed.preview().querySelector("a")!.textContent).toBe("Открыть на бирже");
  expect(ed.preview().textContent).toContain("Тень 38.5% · Объём $1.83M");
  cleanup();
  const strategy = renderEditor("en", { initial: "", inherits: "{strategy} ×{series_count}", sample: { strategy: "Dumps", series_count: 3 } });
  expect(strategy.preview().textContent).toBe("Dumps ×3");
});

it("previews the untouched default template with the words of the user's language, as the server sends it", () => {
  const ed = renderEditor("ru", { initial: DEFAULT_TEMPLATE });
  expect(ed.preview().textContent).toBe("BN-F SOLUSDT +4.27% рост · тень 38.5% · объём $1.83M · 187.42 · 2026-01-15 12:34:56 UTC");
});

it("refuses a placeholder in an unquoted attribute, as the server does, and says to quote it", () => {
  const ed = renderEditor("en", { initial: '<a href="{link}">chart</a>' });
  expect(screen.queryByTestId("template-problem")).toBeNull();
  ed.type("<a href={link}>chart</a>");
  expect(screen.getByTestId("template-problem").textContent).toBe('Character 1: a placeholder in an attribute of <a> needs quotes, as in href="{link}".');
  cleanup();
  renderEditor("ru", { initial: "<a href={link}>график</a>" });
  expect(screen.getByTestId("template-problem").textContent).toBe('Символ 1: подстановку в атрибуте <a> возьмите в кавычки, например href="{link}".');
});
