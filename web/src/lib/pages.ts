import type { Page } from "../api/contract";

/** The most items a list asks for at once (the API's `limit` allows 1–200: api/pagination.py). */
export const PAGE_LIMIT = 200;

/**
 * Every item of an offset-paginated list (`?limit=&offset=` → `{"items", "total", "limit",
 * "offset"}`): pages are loaded until `total` items came, or a page comes back short or empty.
 * A bare list answer is taken whole. `maxPages` bounds the loop against a misbehaving server.
 */
export async function allPages<T>(load: (query: { limit: number; offset: number }) => Promise<Page<T> | T[]>, limit = PAGE_LIMIT, maxPages = 100): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < maxPages; i++) {
    const answer = await load({ limit, offset: out.length });
    if (Array.isArray(answer)) return i === 0 ? answer : [...out, ...answer];
    const items = answer.items ?? [];
    out.push(...items);
    if (items.length === 0) break;
    if (typeof answer.total === "number") {
      if (out.length >= answer.total) break;
    } else if (items.length < (answer.limit ?? limit)) {
      break;
    }
  }
  return out;
}
