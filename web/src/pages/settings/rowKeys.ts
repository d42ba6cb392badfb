// Stable React keys for editor rows of plain objects that carry no id (a strategy, a condition).
// Keyed by index, a row's inputs with state of their own (drafts, a focused field) stay at that
// index when a row above is removed and show another row's text. Here each object gets a key the
// first time it is rendered; an edit, which replaces the object, hands its key on (`carry`), and a
// list coming back from outside (Discard, a save's normalised document) keeps the keys its objects
// had, or gets new ones.
import { useRef } from "react";

export interface RowKeys {
  /** The keys of `items`, in order (unique even if one object sits in the list twice). */
  keysOf: (items: readonly object[]) => string[];
  /** `next` replaces `prev` (an edit): same row, same key. */
  carry: (prev: object | undefined, next: object) => void;
}

export function useRowKeys(): RowKeys {
  const ref = useRef<RowKeys | null>(null);
  ref.current ??= makeRowKeys();
  return ref.current;
}

export function makeRowKeys(): RowKeys {
  const keys = new WeakMap<object, string>();
  let next = 0;
  const keyOf = (item: object) => {
    let key = keys.get(item);
    if (key === undefined) {
      key = `r${next++}`;
      keys.set(item, key);
    }
    return key;
  };
  return {
    keysOf(items) {
      const used = new Set<string>();
      return items.map((item, i) => {
        let key = keyOf(item);
        if (used.has(key)) key = `${key}#${i}`;
        used.add(key);
        return key;
      });
    },
    carry(prev, nextItem) {
      if (prev !== undefined && prev !== nextItem) keys.set(nextItem, keyOf(prev));
    },
  };
}
