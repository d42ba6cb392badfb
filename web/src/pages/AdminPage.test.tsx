// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { createMemoryRouter, RouterProvider } from "react-router-dom";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { api } from "../api/client";
import type { ErrorLogEntry, UserPublic } from "../api/contract";
import { AuthProvider } from "../app/auth";
import { I18nProvider } from "../i18n";
import { json, mockFetch, type Call } from "../test/fetch";
import { signIn, testUser } from "../test/session";
import AdminPage from "./AdminPage";

const ME: UserPublic = { ...testUser, id: 1, email: "root@example.com", role: "admin" };
const user = (id: number, email: string, patch: Partial<UserPublic> = {}): UserPublic => ({ ...testUser, id, email, role: "user", ...patch });

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
  signIn(ME);
});
afterEach(() => {
  cleanup();
  api.clearSession();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

const settle = () => act(() => vi.advanceTimersByTimeAsync(0));

async function renderAdmin(path: string) {
  const router = createMemoryRouter([{ path: "/admin/*", element: <AdminPage /> }], { initialEntries: [path] });
  render(
    <I18nProvider lang="en">
      <AuthProvider>
        <RouterProvider router={router} />
      </AuthProvider>
    </I18nProvider>,
  );
  await settle();
}

/** An admin API holding users; PATCH and DELETE change them, as the server would. */
function usersServer() {
  let users = [ME, user(2, "bob@example.com"), user(3, "carol@example.com", { is_active: false })];
  const net = mockFetch({
    "GET /api/v1/admin/users": (call) => {
      const items = users.filter((u) => !call.query.q || u.email.includes(call.query.q));
      return json(200, { items, total: items.length, limit: 200, offset: 0 });
    },
    "POST /api/v1/admin/users": (call) => {
      const body = call.body as { email: string; password: string; role: UserPublic["role"] };
      if (body.password.length < 10) return json(422, { error: { code: "validation_error", message: "invalid input", details: [{ field: "body.password", reason: "at least 10 characters" }] } });
      const created = user(4, body.email, { role: body.role });
      users = users.concat(created);
      return json(201, created);
    },
    ...Object.fromEntries(
      [2, 3].flatMap((id) => [
        [`PATCH /api/v1/admin/users/${id}`, (call: Call) => {
          users = users.map((u) => (u.id === id ? { ...u, ...(call.body as Partial<UserPublic>) } : u));
          return json(200, users.find((u) => u.id === id));
        }],
        [`DELETE /api/v1/admin/users/${id}`, () => {
          users = users.filter((u) => u.id !== id);
          return { status: 204 };
        }],
      ]),
    ),
  });
  const changes = () => net.calls.filter((c) => c.method !== "GET").map((c) => [c.method, c.path, c.body ?? null]);
  return { net, changes };
}

const row = (email: string) => within(screen.getByTestId("admin-users")).getByText(email).closest("tr")!;

it("creates a user with a role; the server's reason for a refused password is shown", async () => {
  const s = usersServer();
  await renderAdmin("/admin/users");
  fireEvent.click(screen.getByRole("button", { name: "+ Create user" }));
  const form = screen.getByRole("button", { name: "Add" }).closest("form")!;
  fireEvent.change(form.querySelector("input[type=email]")!, { target: { value: "dave@example.com" } });
  fireEvent.change(form.querySelector("input[type=password]")!, { target: { value: "short" } });
  fireEvent.change(within(form).getByRole("combobox"), { target: { value: "admin" } });
  fireEvent.submit(form);
  await settle();
  expect(within(form).getByText("at least 10 characters")).toBeTruthy();
  fireEvent.change(form.querySelector("input[type=password]")!, { target: { value: "a long passphrase 2026" } });
  fireEvent.submit(form);
  await settle();
  expect(s.changes()).toEqual([
    ["POST", "/api/v1/admin/users", { email: "dave@example.com", password: "short", role: "admin" }],
    ["POST", "/api/v1/admin/users", { email: "dave@example.com", password: "a long passphrase 2026", role: "admin" }],
  ]);
  expect(screen.queryByRole("button", { name: "Add" })).toBeNull(); // the form closed
  expect(within(row("dave@example.com")).getByRole("combobox")).toHaveProperty("value", "admin");
});

it("disables and enables accounts and changes roles; my own row cannot be changed", async () => {
  const s = usersServer();
  await renderAdmin("/admin/users");
  expect(within(row("root@example.com")).getByRole("combobox")).toHaveProperty("disabled", true);
  expect(within(row("root@example.com")).queryByRole("button")).toBeNull();

  fireEvent.click(within(row("bob@example.com")).getByRole("button", { name: "Disable" }));
  await settle();
  fireEvent.click(within(row("carol@example.com")).getByRole("button", { name: "Enable" }));
  await settle();
  fireEvent.change(within(row("bob@example.com")).getByRole("combobox"), { target: { value: "admin" } });
  await settle();
  expect(s.changes()).toEqual([
    ["PATCH", "/api/v1/admin/users/2", { is_active: false }],
    ["PATCH", "/api/v1/admin/users/3", { is_active: true }],
    ["PATCH", "/api/v1/admin/users/2", { role: "admin" }],
  ]);
  // the list was read again after each change and shows the new state
  expect(within(row("bob@example.com")).getByRole("button", { name: "Enable" })).toBeTruthy();
  expect(within(row("carol@example.com")).getByRole("button", { name: "Disable" })).toBeTruthy();
  expect(within(row("bob@example.com")).getByRole("combobox")).toHaveProperty("value", "admin");
});

it("deletes a user only after confirming", async () => {
  const s = usersServer();
  const confirm = vi.fn(() => false);
  vi.stubGlobal("confirm", confirm);
  await renderAdmin("/admin/users");
  fireEvent.click(within(row("bob@example.com")).getByRole("button", { name: "Remove" }));
  await settle();
  expect(confirm).toHaveBeenCalledWith("Delete bob@example.com and all their data?");
  expect(s.changes()).toEqual([]);
  confirm.mockReturnValue(true);
  fireEvent.click(within(row("bob@example.com")).getByRole("button", { name: "Remove" }));
  await settle();
  expect(s.changes()).toEqual([["DELETE", "/api/v1/admin/users/2", null]]);
  expect(within(screen.getByTestId("admin-users")).queryByText("bob@example.com")).toBeNull();
});

it("shows why the server refused a change", async () => {
  mockFetch({
    "GET /api/v1/admin/users": json(200, { items: [ME, user(2, "bob@example.com", { role: "admin" })], total: 2 }),
    "PATCH /api/v1/admin/users/2": json(409, { error: { code: "conflict", message: "the last active admin cannot be demoted", details: null } }),
  });
  await renderAdmin("/admin/users");
  fireEvent.change(within(row("bob@example.com")).getByRole("combobox"), { target: { value: "user" } });
  await settle();
  expect(document.querySelector(".note")!.textContent).toContain("the last active admin cannot be demoted");
});

it("searches users by e-mail", async () => {
  const s = usersServer();
  await renderAdmin("/admin/users");
  fireEvent.change(screen.getByPlaceholderText("E-mail or name…"), { target: { value: "carol" } });
  await settle();
  expect(s.net.calls.filter((c) => c.path === "/api/v1/admin/users").at(-1)!.query).toEqual({ q: "carol", limit: "200" });
  expect(within(screen.getByTestId("admin-users")).getAllByRole("row")).toHaveLength(2); // header + carol
});

function logEntry(id: number, patch: Partial<ErrorLogEntry> = {}): ErrorLogEntry {
  return { id, created_at: "2026-01-15T12:00:00Z", level: "ERROR", logger: "wickwatch.notify.telegram", message: `failure ${id}`, exception: null, context: null, process: "notifier", ...patch } as ErrorLogEntry;
}

it("filters the error log by level, logger and text, pages on, and opens an entry", async () => {
  const net = mockFetch({
    "GET /api/v1/admin/errors": (call) =>
      call.query.cursor
        ? json(200, { items: [logEntry(1)], next_cursor: null, limit: 100 })
        : json(200, { items: [logEntry(3, { exception: "Traceback: boom", context: { chat: 42 } }), logEntry(2, { level: "WARNING" })], next_cursor: "p2", limit: 100 }),
  });
  await renderAdmin("/admin/errors");
  const queries = () => net.calls.filter((c) => c.path === "/api/v1/admin/errors").map((c) => c.query);
  expect(queries()).toEqual([{ limit: "100" }]);

  fireEvent.change(screen.getByRole("combobox", { name: "Level" }), { target: { value: "ERROR" } });
  await settle();
  fireEvent.change(screen.getByPlaceholderText("Logger…"), { target: { value: "wickwatch.notify" } });
  await settle();
  fireEvent.change(screen.getByPlaceholderText("Text…"), { target: { value: "timeout" } });
  await settle();
  expect(queries().at(-1)).toEqual({ level: "ERROR", logger: "wickwatch.notify", q: "timeout", limit: "100" });

  const table = screen.getByTestId("admin-errors");
  expect(within(table).getAllByRole("row")).toHaveLength(2);
  fireEvent.click(screen.getByRole("button", { name: "More" }));
  await settle();
  expect(queries().at(-1)).toEqual({ level: "ERROR", logger: "wickwatch.notify", q: "timeout", limit: "100", cursor: "p2" });
  expect(within(screen.getByTestId("admin-errors")).getAllByRole("row")).toHaveLength(3);
  expect(screen.queryByRole("button", { name: "More" })).toBeNull();

  fireEvent.click(within(screen.getByTestId("admin-errors")).getByText("failure 3"));
  const details = screen.getByTestId("admin-errors").querySelector("pre")!.textContent!;
  expect(details).toContain("Traceback: boom");
  expect(JSON.parse(details.slice(details.indexOf("{")))).toEqual({ chat: 42 });
});
