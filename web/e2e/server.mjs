// Starts a real `wickwatch api` for end-to-end tests: a free port, a throwaway data directory
// (embedded SQLite), open registration, and an administrator created with the CLI.
import { spawn, execFile } from "node:child_process";
import { mkdtempSync, rmSync, existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export const WEB_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const REPO_ROOT = resolve(WEB_DIR, "..");

async function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

async function waitFor(url, timeoutMs, proc, log) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`wickwatch api exited with ${proc.exitCode}:\n${log()}`);
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`wickwatch api did not answer ${url} within ${timeoutMs} ms:\n${log()}`);
}

/**
 * `demo` runs `wickwatch demo` (simulated exchanges, collector, notifier with the Telegram
 * stand-in, API) instead of `wickwatch api`; its demo user's credentials are read back.
 * @param {{admin?: {email: string, password: string}, demo?: {symbols?: number, wickEvery?: number}}} options
 * @returns {Promise<{url: string, dataDir: string, log: () => string, stop: () => Promise<void>}>}
 */
export async function startServer(options = {}) {
  if (!existsSync(join(WEB_DIR, "dist", "index.html"))) {
    throw new Error("web/dist is not built: run scripts/build_web.sh first");
  }
  const dataDir = mkdtempSync(join(tmpdir(), "wickwatch-e2e-"));
  const env = {
    ...process.env,
    UV_PYTHON_DOWNLOADS: "never",
    WICKWATCH_DATA_DIR: dataDir,
    WICKWATCH_REGISTRATION_MODE: "open",
    WICKWATCH_ENVIRONMENT: "development",
    WICKWATCH_LOG_LEVEL: "INFO",
  };
  delete env.WICKWATCH_DATABASE_URL; // always the throwaway SQLite database
  delete env.WICKWATCH_REDIS_URL;
  if (options.admin) {
    await promisify(execFile)("uv", ["run", "--quiet", "wickwatch", "admin", "create", "--email", options.admin.email, "--name", "Admin"], {
      cwd: REPO_ROOT,
      env: { ...env, WICKWATCH_ADMIN_PASSWORD: options.admin.password },
    });
  }
  const port = await freePort();
  const command = options.demo
    ? ["demo", "--no-build-web", "--symbols", String(options.demo.symbols ?? 10), "--wick-every", String(options.demo.wickEvery ?? 2)]
    : ["api"];
  const proc = spawn("uv", ["run", "--quiet", "wickwatch", ...command, "--host", "127.0.0.1", "--port", String(port)], {
    cwd: REPO_ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  proc.stdout.on("data", (d) => (output += d));
  proc.stderr.on("data", (d) => (output += d));
  const log = () => output;
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/healthz`, 90_000, proc, log);
  let credentials = {};
  const file = join(dataDir, "demo-credentials.json");
  if (options.demo) {
    for (let i = 0; i < 100 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 200));
    credentials = JSON.parse(readFileSync(file, "utf8"));
  }
  return {
    url,
    dataDir,
    log,
    /** e-mail → password of the demo's accounts */
    credentials,
    async stop() {
      if (proc.exitCode === null) {
        proc.kill("SIGTERM");
        await Promise.race([new Promise((r) => proc.once("exit", r)), new Promise((r) => setTimeout(r, 10_000))]);
        if (proc.exitCode === null) proc.kill("SIGKILL");
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
