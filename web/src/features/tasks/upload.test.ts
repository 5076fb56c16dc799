import { afterEach, describe, expect, it, vi } from "vitest";

import { FakeRequest, sent } from "../../test/fakeXhr";
import { postFile, UploadFailed } from "./upload";

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
