import { describe, expect, it } from "vitest";
import { Capabilities, readEmbeddedRoutes, templateToRegExp } from "./capabilities";

describe("Capabilities", () => {
  const caps = new Capabilities(["/api/v1/auth/login", "/api/v1/alerts/{alert_id}/candles", "/api/v1/stream", "/files/{rest:path}"]);
  it("matches concrete paths against templates", () => {
    expect(caps.serves("/api/v1/auth/login")).toBe(true);
    expect(caps.serves("/api/v1/alerts/42/candles?x=1")).toBe(true);
    expect(caps.serves("/api/v1/alerts/42")).toBe(false);
    expect(caps.serves("/api/v1/alerts/4/2/candles")).toBe(false);
    expect(caps.serves("/files/a/b/c")).toBe(true);
    expect(caps.serves("/api/v1/auth/login/extra")).toBe(false);
  });
  it("assumes everything exists when the list is unknown", () => {
    const unknown = new Capabilities(null);
    expect(unknown.known).toBe(false);
    expect(unknown.serves("/anything")).toBe(true);
  });
  it("escapes regex characters in templates", () => {
    expect(templateToRegExp("/openapi.json").test("/openapiXjson")).toBe(false);
  });
  it("reads the list the server embeds in index.html", () => {
    const doc = { getElementById: (id: string) => (id === "ww-routes" ? { textContent: '["/a","/b/{id}"]' } : null) } as unknown as Document;
    expect(readEmbeddedRoutes(doc)).toEqual(["/a", "/b/{id}"]);
    const bad = { getElementById: () => ({ textContent: "{" }) } as unknown as Document;
    expect(readEmbeddedRoutes(bad)).toBeNull();
  });
});
