// Generates src/api/schema.d.ts from openapi.json; with --check, fails when the committed
// file is not what generation gives (the client is never edited by hand). The Python tests
// check that openapi.json is the document the gateway publishes today.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const TARGET = "src/api/schema.d.ts";
// A field with a server-side default may be left out of a request body.
const generate = (output) =>
  execFileSync("npx", ["openapi-typescript", "openapi.json", "--default-non-nullable", "false", "-o", output], {
    stdio: "pipe",
  });

if (!process.argv.includes("--check")) {
  generate(TARGET);
  console.log(`wrote ${TARGET}`);
} else {
  const scratch = mkdtempSync(join(tmpdir(), "taskflow-api-"));
  try {
    const fresh = join(scratch, "schema.d.ts");
    generate(fresh);
    if (readFileSync(fresh, "utf8") !== readFileSync(TARGET, "utf8")) {
      console.error(
        `${TARGET} is stale: run \`npm run api:generate\` (after \`taskflow openapi --output web/openapi.json\`)`,
      );
      process.exit(1);
    }
    console.log("the generated API client is current");
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
