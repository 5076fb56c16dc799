import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import type { Project } from "../../api/queries";
import { ExportSection } from "./ExportSection";

const TEST_TIMEOUT = 20_000;
const project = { id: "p1", name: "Launch", role: "viewer", is_inbox: false } as Project;

describe("the export section", () => {
  it(
    "downloads the export with the file name the server gives, and shows a refusal",
    async () => {
      const asked: string[] = [];
      let answer = () =>
        new Response("id,parent_id,title\n", {
          status: 200,
          headers: { "Content-Type": "text/csv", "Content-Disposition": 'attachment; filename="Launch.csv"' },
        });
      vi.stubGlobal(
        "fetch",
        vi.fn(async (request: Request) => {
          const url = new URL(request.url);
          asked.push(url.pathname + url.search);
          return answer();
        }),
      );
      const saved: { name: string; href: string }[] = [];
      // jsdom has no object URLs, and no downloads: the link's click is where the file would go.
      Object.assign(URL, { createObjectURL: vi.fn(() => "blob:x"), revokeObjectURL: vi.fn() });
      vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
        saved.push({ name: this.download, href: this.href });
      });
      const user = userEvent.setup();
      render(<ExportSection project={project} />);

      await user.click(screen.getByRole("button", { name: "Export as CSV" }));
      await waitFor(() => expect(saved).toEqual([{ name: "Launch.csv", href: "blob:x" }]));
      expect(asked).toEqual(["/api/projects/p1/export?format=csv"]);

      answer = () =>
        new Response(JSON.stringify({ status: 404, detail: "No such project." }), {
          status: 404,
          headers: { "Content-Type": "application/problem+json" },
        });
      await user.click(screen.getByRole("button", { name: "Export as JSON" }));
      expect(await screen.findByRole("alert")).toHaveTextContent("No such project.");
    },
    TEST_TIMEOUT,
  );
});
