import { useEffect, useState } from "react";
import { useLive } from "../app/live";
import { useI18n } from "../i18n";

/** A dot and a word: live / connecting / reconnecting in N s / offline. */
export function StreamBadge() {
  const { streamState, nextRetryAt, history } = useLive();
  const { t } = useI18n();
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (nextRetryAt === null) return;
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, [nextRetryAt]);
  const seconds = nextRetryAt ? Math.max(0, Math.ceil((nextRetryAt - now) / 1000)) : 0;
  let cls = "dot-off";
  let label: string = t("stream.idle");
  let title: string = label;
  switch (streamState) {
    case "open":
      cls = "dot-on";
      label = t("stream.live");
      title = t("stream.liveHint");
      break;
    case "connecting":
      cls = "dot-wait";
      label = t("stream.connecting");
      title = label;
      break;
    case "reconnecting":
      cls = "dot-wait";
      label = t("stream.reconnecting", { s: seconds });
      title = t("stream.reconnectingHint");
      break;
    case "unavailable":
      cls = "dot-off";
      label = history === "available" ? t("stream.polling") : t("stream.offline");
      title = t("stream.unavailableHint", { s: seconds });
      break;
    case "forbidden":
      cls = "dot-off";
      label = t("stream.forbidden");
      title = label;
      break;
  }
  return (
    <span className="stream-badge" title={title} data-testid="stream-badge" data-state={streamState}>
      <span className={`dot ${cls}`} aria-hidden="true" />
      {label}
    </span>
  );
}
