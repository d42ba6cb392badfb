// The settings page rendered as the app does (router, English), for component tests (never
// imported by the app).
import { render } from "@testing-library/react";
import { createMemoryRouter, RouterProvider } from "react-router-dom";
import { I18nProvider } from "../i18n";
import SettingsPage from "../pages/SettingsPage";
import { settle } from "./session";

/** Render /settings and let its first requests answer (fake timers). */
export async function renderSettings(): Promise<void> {
  const router = createMemoryRouter([{ path: "/settings", element: <SettingsPage /> }], { initialEntries: ["/settings"] });
  render(
    <I18nProvider lang="en">
      <RouterProvider router={router} />
    </I18nProvider>,
  );
  await settle();
}
