// Whether the user is looking at this tab: it is shown and the window has the focus. A window on a
// second screen behind the trader's terminal is not "looking" — alerts there stay unread until
// the trader turns to it.
import { useEffect, useState } from "react";

export function isAttentive(doc: Document = document): boolean {
  return !doc.hidden && doc.hasFocus();
}

export function useAttention(): boolean {
  const [on, setOn] = useState(() => isAttentive());
  useEffect(() => {
    const update = () => setOn(isAttentive());
    const blur = () => setOn(false);
    window.addEventListener("focus", update);
    window.addEventListener("blur", blur);
    document.addEventListener("visibilitychange", update);
    update();
    return () => {
      window.removeEventListener("focus", update);
      window.removeEventListener("blur", blur);
      document.removeEventListener("visibilitychange", update);
    };
  }, []);
  return on;
}
