// Fails when src/api/schema.d.ts is not what openapi-typescript makes of openapi.json
// (the client is generated, never edited by hand). The Python tests check that
// openapi.json is the document the gateway publishes today.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const scratch = mkdtempSync(join(tmpdir(), "taskflow-api-"));
try {
  const fresh = join(scratch, "schema.d.ts");
  execFileSync("npx", ["openapi-typescript", "openapi.json", "-o", fresh], { stdio: "pipe" });
  if (readFileSync(fresh, "utf8") !== readFileSync("src/api/schema.d.ts", "utf8")) {
    console.error("src/api/schema.d.ts is stale: run `npm run api:generate` (after `taskflow openapi --output web/openapi.json`)");
    process.exit(1);
  }
  console.log("the generated API client is current");
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
