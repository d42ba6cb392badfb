import { describe, expect, it } from "vitest";
import type { Page } from "../api/contract";
import { allPages } from "./pages";

/** A server holding `n` items that pages them as api/pagination.py does, capping `limit` at `cap`. */
function server(n: number, cap = 200, withTotal = true) {
  const all = Array.from({ length: n }, (_, i) => i);
  const asked: [number, number][] = [];
  const load = async ({ limit, offset }: { limit: number; offset: number }): Promise<Page<number>> => {
    asked.push([limit, offset]);
    const l = Math.min(limit, cap);
    return { items: all.slice(offset, offset + l), ...(withTotal ? { total: n } : {}), limit: l, offset };
  };
  return { load, asked };
}

describe("allPages", () => {
  it("follows the offset until the total came", async () => {
    const s = server(450);
    expect(await allPages(s.load)).toEqual(Array.from({ length: 450 }, (_, i) => i));
    expect(s.asked).toEqual([[200, 0], [200, 200], [200, 400]]);
  });
  it("stops after one page when everything fits", async () => {
    const s = server(3);
    expect(await allPages(s.load)).toEqual([0, 1, 2]);
    expect(s.asked).toHaveLength(1);
  });
  it("goes on when the server sends fewer per page than asked", async () => {
    const s = server(120, 50);
    expect(await allPages(s.load)).toHaveLength(120);
    expect(s.asked.map((a) => a[1])).toEqual([0, 50, 100]);
  });
  it("without a total, stops at a short page", async () => {
    const s = server(250, 200, false);
    expect(await allPages(s.load)).toHaveLength(250);
    expect(s.asked).toHaveLength(2);
  });
  it("stops at an empty page even when the total promised more", async () => {
    const load = async ({ offset }: { offset: number }): Promise<Page<number>> => ({ items: offset === 0 ? [1, 2] : [], total: 10, limit: 200, offset });
    expect(await allPages(load)).toEqual([1, 2]);
  });
  it("takes a bare list whole", async () => {
    let calls = 0;
    expect(await allPages(async () => (calls++, [1, 2, 3]))).toEqual([1, 2, 3]);
    expect(calls).toBe(1);
  });
});
