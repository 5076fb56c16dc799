// The e-mail `taskflow dev` writes as .eml files instead of sending (TASKFLOW_MAIL_DIR names
// the folder for the browser tests): find the one to an address, and the link in it.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

import { LIVE_TIMEOUT_MS } from "./browser";

export const MAIL_DIR = process.env.TASKFLOW_MAIL_DIR ?? "";

function decode(body: string, encoding: string): string {
  if (encoding === "base64") return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  if (encoding === "quoted-printable") {
    const bytes = body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/gi, (_, hex: string) => `%${hex}`);
    return decodeURIComponent(bytes.replace(/%(?![0-9A-F]{2})/gi, "%25"));
  }
  return body;
}

/** Every text part of a MIME message, decoded (multipart/alternative: plain and HTML). */
export function mailText(raw: string): string {
  const [head = "", ...rest] = raw.split(/\r?\n\r?\n/);
  const body = rest.join("\n\n");
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(head)?.[1];
  if (boundary) {
    return body
      .split(`--${boundary}`)
      .slice(1)
      .map((part) => mailText(part.replace(/^\r?\n/, "")))
      .join("\n");
  }
  const encoding = /content-transfer-encoding:\s*([\w-]+)/i.exec(head)?.[1]?.toLowerCase() ?? "7bit";
  return decode(body, encoding);
}

/** The path and fragment of the `page` link (`/reset-password#token=…`) in the newest mail to
 * `address` not among `seen`, waiting for the event function to write it. */
export async function linkMailedTo(
  address: string,
  page: "reset-password" | "verify-email",
  seen: Set<string> = new Set(),
): Promise<{ link: string; file: string }> {
  if (!MAIL_DIR) throw new Error("TASKFLOW_MAIL_DIR is not set: where does taskflow dev write its mail?");
  const pattern = new RegExp(`/${page}#token=([A-Za-z0-9_-]+)`);
  const deadline = Date.now() + LIVE_TIMEOUT_MS;
  while (Date.now() < deadline) {
    let files: string[] = [];
    try {
      files = readdirSync(MAIL_DIR).filter((name) => name.endsWith(".eml") && !seen.has(name));
    } catch {
      // Not there until the first mail is written.
    }
    for (const file of files.sort().reverse()) {
      const raw = readFileSync(join(MAIL_DIR, file), "utf8");
      if (!raw.toLowerCase().includes(address.toLowerCase())) continue;
      const found = pattern.exec(mailText(raw));
      if (found) return { link: `/${page}#token=${found[1]}`, file };
    }
    await new Promise((done) => setTimeout(done, 200));
  }
  throw new Error(`no mail with a ${page} link to ${address} in ${MAIL_DIR} within ${LIVE_TIMEOUT_MS} ms`);
}
