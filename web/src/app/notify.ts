// Sound and desktop notifications for new live alerts (both off by default, per browser).

import type { AlertPublic } from "../api/contract";
import { displaySymbol, exchangeMarketShort, formatDelta, formatPrice } from "../lib/format";

export interface NotifyPrefs {
  sound: boolean;
  desktop: boolean;
}

const KEY = "wickwatch.notify";

export function loadNotifyPrefs(): NotifyPrefs {
  try {
    const raw = JSON.parse(localStorage.getItem(KEY) ?? "{}") as Partial<NotifyPrefs>;
    return { sound: raw.sound === true, desktop: raw.desktop === true };
  } catch {
    return { sound: false, desktop: false };
  }
}

export function saveNotifyPrefs(p: NotifyPrefs): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(p));
  } catch {
    /* storage blocked */
  }
}

let audio: AudioContext | null = null;
let lastSound = 0;

/** A short two-tone blip (higher for up moves), at most a few per second. */
export function playBlip(direction: "up" | "down"): void {
  const now = Date.now();
  if (now - lastSound < 250) return;
  lastSound = now;
  try {
    audio ??= new AudioContext();
    const t = audio.currentTime;
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = "sine";
    osc.frequency.setValueAtTime(direction === "up" ? 880 : 523, t);
    osc.frequency.setValueAtTime(direction === "up" ? 1175 : 392, t + 0.08);
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(0.15, t + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.22);
    osc.connect(gain).connect(audio.destination);
    osc.start(t);
    osc.stop(t + 0.25);
  } catch {
    /* no audio device */
  }
}

/** The desktop notification's title in the UI language (`locale`: its BCP 47 tag): the move, or the price that left a band. */
export function notificationTitle(alert: AlertPublic, locale: string): string {
  const priceBand = alert.kind === "above_max" || alert.kind === "below_min";
  return `${displaySymbol(alert.symbol, alert.base, alert.quote)} ${priceBand ? `${alert.kind === "above_max" ? "↑" : "↓"} ${formatPrice(alert.price, locale)}` : formatDelta(alert.delta_pct, alert.direction, locale)}`;
}

/** Sound and desktop notification for a new live alert; the desktop one only while the tab is hidden. */
export function notifyAlert(alert: AlertPublic, prefs: NotifyPrefs, locale: string): void {
  if (prefs.sound) playBlip(alert.direction);
  if (prefs.desktop && typeof Notification !== "undefined" && Notification.permission === "granted" && document.hidden) {
    try {
      const n = new Notification(notificationTitle(alert, locale), {
        body: `${exchangeMarketShort(alert.exchange, alert.market)} · ${alert.strategy ?? alert.rule}`,
        tag: `wickwatch-${alert.symbol}`,
      });
      n.onclick = () => {
        window.focus();
        window.location.assign(`/alerts/${alert.id}`);
      };
    } catch {
      /* notifications blocked */
    }
  }
}
