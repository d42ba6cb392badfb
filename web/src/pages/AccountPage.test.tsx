// @vitest-environment jsdom
import { fireEvent, render, screen } from "@testing-library/react";
import { createMemoryRouter, RouterProvider } from "react-router-dom";
import { expect, it } from "vitest";
import { AuthProvider } from "../app/auth";
import { I18nProvider } from "../i18n";
import ru from "../i18n/locales/ru.json";
import { json, mockFetch } from "../test/fetch";
import { settle, signedInOnFakeTimers } from "../test/session";
import AccountPage from "./AccountPage";

signedInOnFakeTimers();

const refused = (field: string, reason: string) => json(422, { error: { code: "validation_error", message: "invalid input", details: [{ field, reason }] } });

async function changePassword(answer: ReturnType<typeof json>) {
  const net = mockFetch({
    "GET /api/v1/auth/sessions": json(200, []),
    "POST /api/v1/auth/password": answer,
  });
  const router = createMemoryRouter([{ path: "/account", element: <AccountPage /> }, { path: "/login", element: <div>login page</div> }], { initialEntries: ["/account"] });
  render(
    <I18nProvider lang="ru">
      <AuthProvider>
        <RouterProvider router={router} />
      </AuthProvider>
    </I18nProvider>,
  );
  await settle();
  fireEvent.change(document.querySelector("input[name=current_password]")!, { target: { value: "not-my-password" } });
  fireEvent.change(document.querySelector("input[name=new_password]")!, { target: { value: "Volatile-Wick-2026!" } });
  fireEvent.click(screen.getByRole("button", { name: ru.account.changePassword }));
  await settle();
  expect(net.sent("POST", "/api/v1/auth/password")).toHaveLength(1);
  return document.querySelector(".form-error")?.textContent;
}

it("says in the user's language that the current password is wrong (the server's 422 on current_password)", async () => {
  expect(await changePassword(refused("body.current_password", "wrong password"))).toBe(ru.account.wrongPassword);
});

it("shows the server's reason about the new password", async () => {
  expect(await changePassword(refused("body.new_password", "must differ from the current password"))).toBe("must differ from the current password");
});
