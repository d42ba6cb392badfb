// The time zone of the signed-in account: the `timezone` of its settings document. Telegram
// messages, the template preview, the dry run and the statistics use it, so the pages that show
// alert times do too (the browser's own zone only until it is known, or when there is none).
//
// Read once per signed-in user from GET /settings and shared by every page; the settings page
// tells it when the document is loaded or saved.

import { useEffect, useSyncExternalStore } from "react";
import { api, ApiError } from "../api/client";
import type { SettingsEnvelope } from "../api/contract";
import { API } from "../api/paths";

interface State {
  /** Whose zone it is. */
  user: number | null;
  /** undefined: not known yet; null: the account has none (or the server stores no settings). */
  zone: string | null | undefined;
}

let state: State = { user: api.getSession()?.user.id ?? null, zone: undefined };
let loading: Promise<void> | null = null;
const listeners = new Set<() => void>();

function publish(next: State): void {
  state = next;
  for (const l of listeners) l();
}

/** `zone` when this browser knows it (IANA name), else null. */
export function validTimeZone(zone: unknown): string | null {
  if (typeof zone !== "string" || !zone) return null;
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return zone;
  } catch {
    return null;
  }
}

// another user (or none) signed in: forget the zone of the last one
api.onSession((session) => {
  const user = session?.user.id ?? null;
  if (user !== state.user) {
    loading = null;
    publish({ user, zone: undefined });
  }
});

function load(): void {
  const user = api.getSession()?.user.id ?? null;
  if (user === null || loading || (state.user === user && state.zone !== undefined)) return;
  const request: Promise<void> = api
    .get<SettingsEnvelope<{ timezone?: unknown }>>(API.settings)
    .then((envelope) => {
      if (loading === request) publish({ user, zone: validTimeZone(envelope?.document?.timezone) });
    })
    .catch((err: unknown) => {
      // no settings on this server: the browser's zone; other failures are asked again later
      if (loading === request && err instanceof ApiError && err.notImplemented) publish({ user, zone: null });
    })
    .finally(() => {
      if (loading === request) loading = null;
    });
  loading = request;
}

/** The settings page loaded or saved the document: its zone is the account's from now on. */
export function rememberAccountTimeZone(zone: unknown): void {
  const user = api.getSession()?.user.id ?? null;
  if (user === null) return;
  loading = null;
  publish({ user, zone: validTimeZone(zone) });
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The account's time zone (IANA name), or undefined for the browser's own until it is known. */
export function useAccountTimeZone(): string | undefined {
  const zone = useSyncExternalStore(subscribe, () => state.zone);
  useEffect(load, []);
  return zone ?? undefined;
}
