// A file sent to the storage through the form the API hands out (an S3 presigned POST, or the
// embedded server's look-alike): XMLHttpRequest rather than fetch, for its upload progress.

export interface UploadForm {
  url: string;
  fields: Record<string, string>;
}

/** The storage refused the file, or could not be reached; the message says which. */
export class UploadFailed extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "UploadFailed";
  }
}

/** The reason in a storage's refusal: S3's XML <Message>, a problem's detail, else a sentence. */
function refusal(status: number, body: string): string {
  const xml = /<Message>([^<]*)<\/Message>/.exec(body)?.[1];
  if (xml) return `The storage refused the file: ${xml.trim()}`;
  try {
    const problem = JSON.parse(body) as { detail?: unknown; title?: unknown };
    const text = problem.detail ?? problem.title;
    if (typeof text === "string" && text) return `The storage refused the file: ${text}`;
  } catch {
    // Not JSON: said generally below.
  }
  return status === 403
    ? "The storage refused the file: its upload form has expired or does not match the file."
    : `The storage refused the file (${status}).`;
}

/**
 * POST `file` to `form.url` as multipart/form-data: every field of the form, then the file as
 * `file` (S3 reads the fields before the file). `onProgress` hears the bytes sent; resolves
 * when the storage answers 2xx; rejects with UploadFailed (or an AbortError when `signal` ends it).
 */
export function postFile(
  form: UploadForm,
  file: Blob,
  { onProgress, signal }: { onProgress?: (sent: number, total: number) => void; signal?: AbortSignal } = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new DOMException("The upload was cancelled.", "AbortError"));
      return;
    }
    const body = new FormData();
    for (const [name, value] of Object.entries(form.fields)) body.append(name, value);
    body.append("file", file);

    const request = new XMLHttpRequest();
    const abort = () => request.abort();
    signal?.addEventListener("abort", abort, { once: true });
    const done = () => signal?.removeEventListener("abort", abort);

    request.upload.addEventListener("progress", (event) => {
      // The request's share sent, in the file's bytes (the multipart envelope is a little more).
      if (event.lengthComputable && event.total > 0) {
        onProgress?.(Math.round((file.size * event.loaded) / event.total), file.size);
      }
    });
    request.addEventListener("load", () => {
      done();
      if (request.status >= 200 && request.status < 300) {
        onProgress?.(file.size, file.size);
        resolve();
      } else reject(new UploadFailed(refusal(request.status, String(request.responseText ?? "")), request.status));
    });
    request.addEventListener("error", () => {
      done();
      reject(new UploadFailed("The file could not reach the storage. Check your connection and try again.", 0));
    });
    request.addEventListener("abort", () => {
      done();
      reject(new DOMException("The upload was cancelled.", "AbortError"));
    });
    request.open("POST", form.url);
    request.send(body);
  });
}
