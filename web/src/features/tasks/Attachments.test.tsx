import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import type { Schemas } from "../../api/client";
import { FakeRequest, sent } from "../../test/fakeXhr";
import { aTask } from "../../test/liveChanges";
import { Attachments, formatSize } from "./Attachments";

vi.mock("../../lib/auth", () => ({
  useUser: () => ({ id: "u1", email: "ada@example.com", display_name: "Ada Lovelace", created_at: "", updated_at: "" }),
}));
vi.mock("sonner", () => ({ toast: { error: vi.fn(), success: vi.fn() } }));

type Attachment = Schemas["AttachmentPublic"];

const json = (status: number, body?: unknown) =>
  new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { "Content-Type": status < 400 ? "application/json" : "application/problem+json" },
  });

afterEach(() => {
  vi.unstubAllGlobals();
  FakeRequest.last = undefined;
});

const FORM = { url: "https://files.example/bucket", fields: { key: "p1/t1/a9", policy: "e30=" }, expires_at: "" };

function anAttachment(over: Partial<Attachment> = {}): Attachment {
  return {
    id: "a1",
    task_id: "t1",
    filename: "plan.pdf",
    content_type: "application/pdf",
    size: 2048,
    status: "complete",
    uploader_id: "u2",
    created_at: "2026-11-20T10:00:00Z",
    completed_at: "2026-11-20T10:00:01Z",
    download_url: "https://files.example/bucket/p1/t1/a1?signature=x",
    ...over,
  };
}

/** The API: lists `items`, hands out an upload form, confirms an upload, deletes. */
function server(items: Attachment[]) {
  const requests: string[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (request: Request) => {
      const url = new URL(request.url);
      requests.push(`${request.method} ${url.pathname}`);
      if (request.method === "GET") return json(200, { items });
      if (request.method === "DELETE") {
        items = items.filter((item) => !url.pathname.endsWith(item.id));
        return json(204);
      }
      if (url.pathname === "/api/tasks/t1/attachments") {
        const body = (await request.json()) as { filename: string; content_type: string; size: number };
        if (body.content_type === "application/x-msdownload") {
          return json(422, { status: 422, errors: [{ loc: ["body", "content_type"], msg: "this type is not taken" }] });
        }
        const attachment = anAttachment({ id: "a9", ...body, status: "pending", download_url: null });
        return json(201, { id: "a9", attachment, upload: FORM });
      }
      if (url.pathname === "/api/attachments/a9/complete") {
        const done = anAttachment({
          id: "a9",
          filename: "shed.png",
          content_type: "image/png",
          size: 4,
          uploader_id: "u1",
          download_url: "https://files.example/bucket/p1/t1/a9?signature=y",
        });
        items = [...items, done];
        return json(200, done);
      }
      return json(404, { status: 404 });
    }),
  );
  return requests;
}

function show(canEdit = true) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <Attachments task={aTask({ id: "t1" })} canEdit={canEdit} names={new Map([["u2", "Bob Builder"]])} />
    </QueryClientProvider>,
  );
}

describe("Attachments", () => {
  it("lists the files with who added them, each a download link, and deletes one after asking", async () => {
    const user = userEvent.setup({ delay: null });
    const requests = server([anAttachment()]);
    show();

    const list = await screen.findByRole("list", { name: "Attachments" });
    const link = within(list).getByRole("link", { name: "plan.pdf" });
    expect(link).toHaveAttribute("href", "https://files.example/bucket/p1/t1/a1?signature=x");
    expect(link).toHaveAttribute("download", "plan.pdf");
    expect(within(list).getByText(/2 KB · Bob Builder,/)).toBeInTheDocument();

    await user.click(within(list).getByRole("button", { name: "Delete plan.pdf" }));
    expect(within(list).getByRole("button", { name: "Delete file" })).toHaveFocus();
    await user.click(within(list).getByRole("button", { name: "Keep" }));
    await waitFor(() => expect(within(list).getByRole("button", { name: "Delete plan.pdf" })).toHaveFocus());
    expect(requests).not.toContain("DELETE /api/attachments/a1");

    await user.keyboard("{Enter}");
    await user.click(within(list).getByRole("button", { name: "Delete file" }));
    await waitFor(() => expect(screen.queryByRole("list", { name: "Attachments" })).not.toBeInTheDocument());
    expect(requests).toContain("DELETE /api/attachments/a1");
  });

  it("uploads a chosen file through the form with its progress, then shows it with a preview", async () => {
    const user = userEvent.setup({ delay: null });
    vi.stubGlobal("XMLHttpRequest", FakeRequest);
    const requests = server([]);
    show();

    const file = new File([new Uint8Array([137, 80, 78, 71])], "shed.png", { type: "image/png" });
    await user.upload(screen.getByLabelText("Attach files"), file);

    await waitFor(() => sent());
    const request = sent();
    expect(request.url).toBe(FORM.url);
    expect([...(request.body?.keys() ?? [])]).toEqual(["key", "policy", "file"]);
    const bar = screen.getByRole("progressbar", { name: "Uploading shed.png" });
    expect(bar).toHaveAttribute("aria-valuenow", "0");
    act(() => request.progress(100, 200));
    expect(bar).toHaveAttribute("aria-valuenow", "50");
    expect(screen.getByText("50 %")).toBeInTheDocument();
    act(() => request.answer(204));

    const list = await screen.findByRole("list", { name: "Attachments" });
    expect(within(list).getByRole("img", { name: "Preview of shed.png" })).toHaveAttribute(
      "src",
      "https://files.example/bucket/p1/t1/a9?signature=y",
    );
    expect(within(list).getByText(/You,/)).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByRole("list", { name: "Uploads" })).not.toBeInTheDocument());
    expect(requests).toEqual([
      "GET /api/tasks/t1/attachments",
      "POST /api/tasks/t1/attachments",
      "POST /api/attachments/a9/complete",
    ]);
  });

  it("takes files dropped on the drop zone", async () => {
    vi.stubGlobal("XMLHttpRequest", FakeRequest);
    const requests = server([]);
    show();

    const zone = (await screen.findByText(/Drop files here/)).parentElement as HTMLElement;
    const file = new File(["hello"], "notes.txt", { type: "text/plain" });
    fireEvent.drop(zone, { dataTransfer: { files: [file], types: ["Files"] } });
    await waitFor(() => sent());
    expect((sent().body?.get("file") as File).name).toBe("notes.txt");
    expect(screen.getByRole("progressbar", { name: "Uploading notes.txt" })).toBeInTheDocument();
    expect(requests).toContain("POST /api/tasks/t1/attachments");
  });

  it("says why a file was refused, gives its form back, and lets it be tried again", async () => {
    const user = userEvent.setup({ delay: null });
    vi.stubGlobal("XMLHttpRequest", FakeRequest);
    const requests = server([]);
    show();

    await user.upload(screen.getByLabelText("Attach files"), new File(["x"], "notes.txt", { type: "text/plain" }));
    await waitFor(() => sent());
    act(() => sent().answer(403, "<Error><Message>Policy expired.</Message></Error>"));
    expect(await screen.findByRole("alert")).toHaveTextContent("The storage refused the file: Policy expired.");
    await waitFor(() => expect(requests).toContain("DELETE /api/attachments/a9"));

    FakeRequest.last = undefined;
    await user.click(screen.getByRole("button", { name: "Try again" }));
    await waitFor(() => sent());
    expect(screen.getByRole("progressbar", { name: "Uploading notes.txt" })).toBeInTheDocument();

    // The API's own refusal (a type it does not take) names the field.
    await user.upload(
      screen.getByLabelText("Attach files"),
      new File(["MZ"], "setup.exe", { type: "application/x-msdownload" }),
    );
    expect(await screen.findByText("Content type: this type is not taken.")).toBeInTheDocument();
  });

  it("shows a viewer the files without a drop zone", async () => {
    server([anAttachment()]);
    show(false);
    expect(await screen.findByRole("link", { name: "plan.pdf" })).toBeInTheDocument();
    expect(screen.queryByText(/Drop files here/)).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Delete plan.pdf" })).not.toBeInTheDocument();
  });
});

describe("file sizes", () => {
  it("are said in bytes, then KB, MB and GB", () => {
    expect([1, 512, 1536, 2 * 1024 * 1024, 5 * 1024 ** 3].map(formatSize)).toEqual([
      "1 byte",
      "512 bytes",
      "1.5 KB",
      "2 MB",
      "5 GB",
    ]);
  });
});
