// Regenerates the UI's view of the backend from the Python sources:
//   src/api/schema.d.ts          the HTTP API (FastAPI's OpenAPI document)
//   src/api/settings-schema.d.ts the user settings document (detection/schemas.py UserSettings)
//   src/api/detection.json       its JSON schema, placeholders, default template, exchanges
//
//   npm run gen:api                 asks the Python app (uv run python …)
//   npm run gen:api -- --check      fails when a committed file is out of date
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";

const here = dirname(fileURLToPath(import.meta.url));
const webDir = resolve(here, "..");
const repoRoot = resolve(webDir, "..");
const check = process.argv.includes("--check");

const PY = `
import json
from wickwatch.api.app import create_app
from wickwatch.config import Settings
from wickwatch.detection import schemas
try:  # the message templates live in the notify domain (formerly detection.messages)
    from wickwatch.notify import templates as messages
    messages.PLACEHOLDERS, messages.DEFAULT_TEMPLATE
except (ImportError, AttributeError):
    from wickwatch.detection import messages
settings_schema = schemas.UserSettings.model_json_schema(ref_template="#/components/schemas/{model}")
print(json.dumps({
    "openapi": create_app(Settings()).openapi(),
    "settings_schema": settings_schema,
    "detection": {
        "placeholders": list(messages.PLACEHOLDERS),
        "default_template": messages.DEFAULT_TEMPLATE,
        "exchanges": list(schemas.EXCHANGES),
        "markets": list(schemas.MARKETS),
        "default_settings": schemas.default_settings().model_dump(mode="json"),
        "json_schema": settings_schema,
    },
}))
`;

const out = execFileSync("uv", ["run", "--quiet", "python", "-c", PY], {
  cwd: repoRoot,
  env: { ...process.env, UV_PYTHON_DOWNLOADS: "never" },
  encoding: "utf8",
  maxBuffer: 64 * 1024 * 1024,
});
const { openapi, settings_schema: settingsSchema, detection } = JSON.parse(out);

const HEADER = "// Generated from the backend by `npm run gen:api`. Do not edit.\n\n";

async function types(document) {
  return HEADER + astToString(await openapiTS(document, { alphabetize: true }));
}

// The settings document as an OpenAPI components section, so openapi-typescript types it.
const { $defs = {}, ...root } = settingsSchema;
const settingsDoc = {
  openapi: "3.1.0",
  info: { title: "wickwatch settings document", version: "1" },
  paths: {},
  components: { schemas: { ...$defs, UserSettings: root } },
};

const files = {
  "src/api/schema.d.ts": await types(openapi),
  "src/api/settings-schema.d.ts": await types(settingsDoc),
  "src/api/detection.json": JSON.stringify(detection, null, 2) + "\n",
};

let stale = 0;
for (const [rel, text] of Object.entries(files)) {
  const target = resolve(webDir, rel);
  if (check) {
    let current = "";
    try {
      current = readFileSync(target, "utf8");
    } catch {
      /* missing counts as stale */
    }
    if (current !== text) {
      console.error(`${rel} is out of date: run \`npm run gen:api\``);
      stale++;
    }
  } else {
    writeFileSync(target, text);
    console.log(`wrote ${rel}`);
  }
}
process.exit(stale ? 1 : 0);
