// The production JavaScript, gzipped, against its budget (npm run build first).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

// 250 kB until the account link pages, the import screen, export and e-mail verification in
// Settings came (about 7 kB gzipped; 5.4 kB of it in chunks that load only when those pages
// are opened, which this total counts too).
const BUDGET_KB = 255;
const assets = join("dist", "assets");
const scripts = readdirSync(assets).filter((name) => name.endsWith(".js"));
let total = 0;
for (const name of scripts) {
  const gzipped = gzipSync(readFileSync(join(assets, name)), { level: 9 }).length;
  total += gzipped;
  console.log(`${name}: ${(gzipped / 1024).toFixed(1)} kB gzipped`);
}
console.log(`all JavaScript: ${(total / 1024).toFixed(1)} kB gzipped (budget ${BUDGET_KB} kB)`);
if (scripts.length === 0 || total > BUDGET_KB * 1024) process.exit(1);
