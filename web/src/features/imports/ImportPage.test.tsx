import { QueryClientProvider } from "@tanstack/react-query";
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router";
import { describe, expect, it, vi } from "vitest";

import { createQueryClient } from "../../lib/queryClient";
import { ImportPage } from "./ImportPage";

const TEST_TIMEOUT = 20_000;
const ID = "0b5c3a9e-0000-4000-8000-000000000001";
const PROJECT = "0b5c3a9e-0000-4000-8000-0000000000aa";
const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const base = {
  id: ID,
  source: "trello",
  filename: "board.json",
  name: "Launch",
  total: 3,
  created_at: "2026-12-05T10:00:00Z",
  error: null,
};
const items = [
  { position: 1, ref: "card 5f0c…", title: "Write the plan", outcome: "created", task_id: "t1", message: null },
  { position: 2, ref: "card 77aa…", title: "Broken card", outcome: "failed", task_id: null, message: "no name" },
  { position: 3, ref: "card 9d1e…", title: "Ship it", outcome: "created", task_id: "t3", message: null },
];
// What GET /api/imports/{id} answers, one after the other (the last one from then on).
const states = [
  { ...base, status: "queued", total: 0, processed: 0, created: 0, failed: 0, project_id: null, finished_at: null },
  { ...base, status: "running", processed: 1, created: 1, failed: 0, project_id: PROJECT, finished_at: null },
  {
    ...base,
    status: "done",
    processed: 3,
    created: 2,
    failed: 1,
    project_id: PROJECT,
    finished_at: "2026-12-05T10:00:03Z",
  },
];

function fakeServer(upload: () => Response) {
  let asked = 0;
  const uploads: FormData[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const request =
        input instanceof Request ? input : new Request(new URL(String(input), window.location.origin), init);
      const path = new URL(request.url).pathname;
      if (path === "/api/projects/import" && request.method === "POST") {
        uploads.push(await request.formData());
        return upload();
      }
      if (path === `/api/imports/${ID}`) {
        const state = states[Math.min(asked++, states.length - 1)];
        return json(200, { ...state, items: items.slice(0, state?.processed ?? 0) });
      }
      if (path === "/api/imports") return json(200, { items: asked ? [states[Math.min(asked, 2)]] : [] });
      return json(404, { status: 404 });
    }),
  );
  return uploads;
}

function renderPage() {
  render(
    <QueryClientProvider client={createQueryClient()}>
      <MemoryRouter initialEntries={["/import"]}>
        <Routes>
          <Route path="/import/:importId?" element={<ImportPage />} />
          <Route path="/projects/:projectId" element={<p>The project</p>} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

const file = () => new File(['{"name": "Launch", "cards": []}'], "board.json", { type: "application/json" });

describe("the import page", () => {
  it(
    "uploads a file, follows the import to the end, lists failed items first and opens the project",
    async () => {
      const uploads = fakeServer(() => json(202, { ...states[0] }));
      renderPage();
      const user = userEvent.setup();

      await user.click(await screen.findByRole("button", { name: "Import" }));
      expect(await screen.findByText("Choose the file to import.")).toBeInTheDocument();
      expect(uploads).toHaveLength(0);

      await user.upload(screen.getByLabelText("File"), file());
      await user.type(screen.getByLabelText("Project name"), "Launch");
      await user.click(screen.getByRole("button", { name: "Import" }));

      expect(await screen.findByText("Waiting to start…")).toBeInTheDocument();
      expect(await screen.findByText("1 of 3 items", {}, { timeout: 5000 })).toBeInTheDocument();
      expect(await screen.findByText(/Done: 2 tasks created; 1 item could not be imported/, {}, { timeout: 5000 }));
      expect(screen.getByRole("progressbar", { name: "Import progress" })).toHaveAttribute("aria-valuenow", "3");

      const [upload] = uploads;
      // (jsdom's File does not survive Node's multipart encoding, so only its presence is checked.)
      expect(upload?.has("file")).toBe(true);
      expect(upload?.get("name")).toBe("Launch");

      const list = screen.getByRole("list", { name: "Imported items" });
      const rows = within(list).getAllByRole("listitem");
      expect(rows.map((row) => row.textContent)).toEqual([
        expect.stringMatching(/^FailedBroken card.*no name$/),
        expect.stringMatching(/^CreatedWrite the plan/),
        expect.stringMatching(/^CreatedShip it/),
      ]);
      await user.selectOptions(screen.getByLabelText("Show"), "failed");
      expect(within(list).getAllByRole("listitem")).toHaveLength(1);

      await user.click(screen.getByRole("link", { name: /Open the project “Launch”/ }));
      expect(await screen.findByText("The project")).toBeInTheDocument();
    },
    TEST_TIMEOUT,
  );

  it(
    "says when the same file was imported before",
    async () => {
      fakeServer(() => json(200, { ...states[2] }));
      renderPage();
      const user = userEvent.setup();
      await user.upload(await screen.findByLabelText("File"), file());
      await user.click(screen.getByRole("button", { name: "Import" }));
      expect(await screen.findByText(/You imported this file before/)).toBeInTheDocument();
    },
    TEST_TIMEOUT,
  );

  it(
    "shows a bad file's line or card, and a file too large",
    async () => {
      const detail = "card “Fix login” (5f0c…): the due date is not a date";
      let answer = json(422, { type: "invalid_import", title: "Unprocessable", status: 422, detail });
      fakeServer(() => answer);
      renderPage();
      const user = userEvent.setup();
      await user.upload(await screen.findByLabelText("File"), file());
      await user.click(screen.getByRole("button", { name: "Import" }));
      expect(await screen.findByRole("alert")).toHaveTextContent(
        "Card “Fix login” (5f0c…): the due date is not a date.",
      );

      answer = new Response("<html>413 Request Entity Too Large</html>", { status: 413 });
      await user.click(screen.getByRole("button", { name: "Import" }));
      expect(await screen.findByText(/The file is larger than TaskFlow accepts/)).toBeInTheDocument();
    },
    TEST_TIMEOUT,
  );
});
