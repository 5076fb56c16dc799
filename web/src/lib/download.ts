// Saving a response the API sends as an attachment (project exports) as a file on this device.

/** The file name a Content-Disposition header gives (RFC 6266: filename* wins over filename). */
export function filenameFromDisposition(header: string | null, fallback: string): string {
  if (!header) return fallback;
  const extended = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(header);
  if (extended?.[2]) {
    try {
      return clean(decodeURIComponent(extended[2].trim().replace(/^"|"$/g, ""))) || fallback;
    } catch {
      // A malformed percent-encoding: fall back to the plain filename below.
    }
  }
  const quoted = /filename\s*=\s*"((?:\\.|[^"\\])*)"/i.exec(header);
  if (quoted?.[1] !== undefined) return clean(quoted[1].replace(/\\(.)/g, "$1")) || fallback;
  const bare = /filename\s*=\s*([^;]+)/i.exec(header);
  return clean(bare?.[1]?.trim() ?? "") || fallback;
}

// A name, never a path: the browser would refuse or rename it anyway.
function clean(name: string): string {
  return name.replace(/[/\\]/g, "_").trim();
}

/** Hand a blob to the browser as a download named `filename`. */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // After the click has started the download (revoking at once can cancel it in some browsers).
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
