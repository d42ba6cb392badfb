import { useEffect, useRef, useState } from "react";
import { NavLink, Outlet, useNavigate } from "react-router-dom";
import { logout, logoutEverywhere } from "../api/auth";
import { useAuth } from "../app/auth";
import { useLive } from "../app/live";
import { useI18n, type TKey } from "../i18n";
import { LangSwitch } from "./LangSwitch";
import { StreamBadge } from "./StreamBadge";

const NAV: { to: string; key: TKey; admin?: boolean }[] = [
  { to: "/live", key: "nav.live" },
  { to: "/markets", key: "nav.markets" },
  { to: "/stats", key: "nav.stats" },
  { to: "/price-alerts", key: "nav.priceAlerts" },
  { to: "/settings", key: "nav.settings" },
  { to: "/admin", key: "nav.admin", admin: true },
];

export function Layout() {
  const { t } = useI18n();
  const { user } = useAuth();
  const { feed } = useLive();
  const navigate = useNavigate();
  const [menu, setMenu] = useState(false);
  const [busy, setBusy] = useState(false);
  const menuRef = useRef<HTMLDivElement>(null);

  // the tab shows new alerts while the trader looks at the terminal
  useEffect(() => {
    document.title = feed.unseen > 0 ? `(${feed.unseen > 999 ? "999+" : feed.unseen}) wickwatch` : "wickwatch";
  }, [feed.unseen]);

  // the user menu closes on a click elsewhere or Escape
  useEffect(() => {
    if (!menu) return;
    const onDown = (e: MouseEvent) => {
      if (!menuRef.current?.contains(e.target as Node)) setMenu(false);
    };
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && setMenu(false);
    document.addEventListener("mousedown", onDown);
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("mousedown", onDown);
      document.removeEventListener("keydown", onKey);
    };
  }, [menu]);

  async function signOut(everywhere: boolean) {
    if (everywhere && !window.confirm(t("account.confirmEverywhere"))) return;
    setBusy(true);
    try {
      await (everywhere ? logoutEverywhere() : logout());
    } catch {
      /* the local session is gone either way */
    } finally {
      setBusy(false);
      navigate("/login", { replace: true });
    }
  }

  return (
    <div className="shell">
      <header className="topbar">
        <NavLink to="/live" className="brand" aria-label="wickwatch">
          <svg width="18" height="18" viewBox="0 0 18 18" aria-hidden="true">
            <path d="M4 2v14M9 5v8M14 1v16" stroke="currentColor" strokeWidth="1.6" />
            <rect x="2.5" y="6" width="3" height="6" fill="var(--up)" />
            <rect x="7.5" y="7" width="3" height="3" fill="var(--down)" />
            <rect x="12.5" y="4" width="3" height="5" fill="var(--up)" />
          </svg>
          wickwatch
        </NavLink>
        <nav className="nav" aria-label={t("nav.main")}>
          {NAV.filter((n) => !n.admin || user?.role === "admin").map((n) => (
            <NavLink key={n.to} to={n.to} className={({ isActive }) => (isActive ? "nav-on" : "")} data-testid={`nav-${n.to.slice(1)}`}>
              {t(n.key)}
              {n.to === "/live" && feed.unseen > 0 && <span className="pill">{feed.unseen > 99 ? "99+" : feed.unseen}</span>}
            </NavLink>
          ))}
        </nav>
        <div className="topbar-right">
          <StreamBadge />
          <LangSwitch />
          <div className="menu" ref={menuRef}>
            <button type="button" className="btn btn-ghost" aria-haspopup="menu" aria-expanded={menu} onClick={() => setMenu((m) => !m)} data-testid="user-menu">
              {user?.display_name || user?.email}
            </button>
            {menu && (
              <div className="menu-pop" role="menu">
                <div className="menu-head muted">{user?.email}</div>
                <button type="button" role="menuitem" onClick={() => (setMenu(false), navigate("/account"))}>
                  {t("nav.account")}
                </button>
                <button type="button" role="menuitem" disabled={busy} onClick={() => void signOut(false)} data-testid="sign-out">
                  {t("account.signOut")}
                </button>
                <button type="button" role="menuitem" disabled={busy} onClick={() => void signOut(true)}>
                  {t("account.signOutEverywhere")}
                </button>
              </div>
            )}
          </div>
        </div>
      </header>
      <main className="main">
        <Outlet />
      </main>
    </div>
  );
}
