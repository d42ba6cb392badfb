// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { createMemoryRouter, RouterProvider } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../api/client";
import { I18nProvider } from "../i18n";
import { RegisterPage } from "./RegisterPage";

const register = vi.fn();
vi.mock("../api/auth", () => ({ register: (...a: unknown[]) => register(...a) }));

function renderPage(url = "/register") {
  const router = createMemoryRouter(
    [
      { path: "/register", element: <RegisterPage /> },
      { path: "/live", element: <div>live page</div> },
      { path: "/login", element: <div>login page</div> },
    ],
    { initialEntries: [url] },
  );
  render(
    <I18nProvider lang="en">
      <RouterProvider router={router} />
    </I18nProvider>,
  );
}

function fill(name: string, value: string) {
  fireEvent.change(document.querySelector(`input[name=${name}]`)!, { target: { value } });
}

afterEach(() => {
  cleanup();
  register.mockReset();
});

describe("RegisterPage", () => {
  it("blocks weak or mismatched passwords before asking the server", () => {
    renderPage();
    fill("email", "a@example.com");
    fill("password", "short");
    expect(screen.getByText(/Not accepted: at least 10 characters/)).toBeTruthy();
    fill("password", "Volatile-Wick-2026!");
    fill("repeat", "Volatile-Wick-2026?");
    expect(screen.getByText("The passwords differ.")).toBeTruthy();
    expect((screen.getByRole("button", { name: "Create account" }) as HTMLButtonElement).disabled).toBe(true);
  });

  it("asks for an invite code when the server requires one, then signs in", async () => {
    register.mockRejectedValueOnce(new ApiError(403, "invite_invalid", "invite required"));
    register.mockResolvedValueOnce({ id: 1 });
    renderPage();
    fill("email", "a@example.com");
    fill("password", "Volatile-Wick-2026!");
    fill("repeat", "Volatile-Wick-2026!");
    fireEvent.click(screen.getByRole("button", { name: "Create account" }));
    await screen.findByText("Registration is by invitation: enter your invite code.");
    const invite = document.querySelector("input[name=invite_code]") as HTMLInputElement;
    expect(invite.required).toBe(true);
    fill("invite_code", " wwi_code ");
    fireEvent.click(screen.getByRole("button", { name: "Create account" }));
    await screen.findByText("live page");
    expect(register).toHaveBeenLastCalledWith({ email: "a@example.com", password: "Volatile-Wick-2026!", display_name: null, invite_code: "wwi_code" });
  });

  it("takes the invite code from the link and shows field errors of a 422", async () => {
    register.mockRejectedValueOnce(new ApiError(422, "validation_error", "invalid input", [{ field: "body.email", reason: "not an e-mail" }]));
    renderPage("/register?invite=wwi_abc");
    expect((document.querySelector("input[name=invite_code]") as HTMLInputElement).value).toBe("wwi_abc");
    fill("email", "a@example.com");
    fill("password", "Volatile-Wick-2026!");
    fill("repeat", "Volatile-Wick-2026!");
    fireEvent.click(screen.getByRole("button", { name: "Create account" }));
    await waitFor(() => expect(screen.getByText("not an e-mail")).toBeTruthy());
  });
});
