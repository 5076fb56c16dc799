import { afterEach, describe, expect, it, vi } from "vitest";

import { postFile, UploadFailed } from "./upload";

/** A stand-in XMLHttpRequest the test answers by hand. */
class FakeRequest extends EventTarget {
  static last: FakeRequest | undefined;
  upload = new EventTarget();
  method = "";
  url = "";
  body: FormData | undefined;
  status = 0;
  responseText = "";

  constructor() {
    super();
    FakeRequest.last = this;
  }

  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }

  send(body: FormData) {
    this.body = body;
  }

  abort() {
    this.dispatchEvent(new Event("abort"));
  }

  progress(loaded: number, total: number) {
    const event = Object.assign(new Event("progress"), { lengthComputable: true, loaded, total });
    this.upload.dispatchEvent(event);
  }

  answer(status: number, text = "") {
    this.status = status;
    this.responseText = text;
    this.dispatchEvent(new Event("load"));
  }
}

function sent(): FakeRequest {
  const request = FakeRequest.last;
  if (!request) throw new Error("nothing was sent");
  return request;
}

const FORM = {
  url: "https://files.example/bucket",
  fields: { key: "p/t/a", "Content-Type": "text/plain", policy: "e30=" },
};

afterEach(() => {
  vi.unstubAllGlobals();
  FakeRequest.last = undefined;
});

describe("postFile", () => {
  it("posts every field of the form, then the file last, and reports the bytes sent", async () => {
    vi.stubGlobal("XMLHttpRequest", FakeRequest);
    const file = new File(["x".repeat(1000)], "notes.txt", { type: "text/plain" });
    const progress: number[] = [];
    const upload = postFile(FORM, file, { onProgress: (bytes, total) => progress.push(bytes / total) });

    const request = sent();
    expect(request.method).toBe("POST");
    expect(request.url).toBe(FORM.url);
    expect([...(request.body?.keys() ?? [])]).toEqual(["key", "Content-Type", "policy", "file"]);
    expect((request.body?.get("file") as File).name).toBe("notes.txt");

    request.progress(700, 1400);
    request.progress(1400, 1400);
    request.answer(204);
    await upload;
    expect(progress).toEqual([0.5, 1, 1]);
  });

  it("says why the storage refused the file", async () => {
    vi.stubGlobal("XMLHttpRequest", FakeRequest);
    const upload = postFile(FORM, new Blob(["x"]));
    sent().answer(
      400,
      "<?xml version='1.0'?><Error><Code>EntityTooLarge</Code><Message>Your proposed upload exceeds the maximum allowed size</Message></Error>",
    );
    const error = await upload.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UploadFailed);
    expect((error as UploadFailed).message).toBe(
      "The storage refused the file: Your proposed upload exceeds the maximum allowed size",
    );
    expect((error as UploadFailed).status).toBe(400);
  });

  it("reads a problem's detail, and says a network failure plainly", async () => {
    vi.stubGlobal("XMLHttpRequest", FakeRequest);
    const refused = postFile(FORM, new Blob(["x"]));
    sent().answer(403, JSON.stringify({ title: "Forbidden", detail: "the upload form has expired" }));
    await expect(refused).rejects.toThrow("The storage refused the file: the upload form has expired");

    const offline = postFile(FORM, new Blob(["x"]));
    sent().dispatchEvent(new Event("error"));
    await expect(offline).rejects.toThrow(/could not reach the storage/);
  });

  it("stops when cancelled", async () => {
    vi.stubGlobal("XMLHttpRequest", FakeRequest);
    const controller = new AbortController();
    const upload = postFile(FORM, new Blob(["x"]), { signal: controller.signal });
    controller.abort();
    await expect(upload).rejects.toMatchObject({ name: "AbortError" });
  });
});
