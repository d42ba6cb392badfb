import type { ReactNode } from "react";
import { LangSwitch } from "./LangSwitch";

export function AuthFrame({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="auth">
      <div className="auth-top">
        <span className="brand">wickwatch</span>
        <LangSwitch />
      </div>
      <div className="auth-card">
        <h1>{title}</h1>
        {children}
      </div>
    </div>
  );
}
