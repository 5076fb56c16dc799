// A project's Activity page against a fake API: every task's entries in words, each linked to
// its task unless the task is gone.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, within } from "@testing-library/react";
import { RouterProvider, createMemoryRouter } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";

import { ProjectActivityPage } from "./ProjectActivityPage";
import type { ActivityEntry } from "./wording";

const ANA = "0b7e7a4e-3f43-4d7b-9a53-2f0d2c8f7a11";
const BEN = "5f2c1d9e-8a6b-4c3d-b2e1-0a9f8e7d6c5b";
const PROJECT = "9d0c8b7a-6f5e-4d3c-a2b1-c0d9e8f7a6b5";
const KEPT = "3c2b1a09-8f7e-4d6c-b5a4-93827161504f";
const GONE = "4d3c2b1a-0f9e-4d8c-a7b6-a59483726150";

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000).toISOString();

function entry(id: string, hours: number, taskId: string, title: string, extra: Partial<ActivityEntry>): ActivityEntry {
  return {
    id,
    project_id: PROJECT,
    task_id: taskId,
    task_title: title,
    actor_id: ANA,
    actor_name: "Ana",
    kind: "created",
    changes: [],
    comment_id: null,
    excerpt: null,
    occurred_at: hoursAgo(hours),
    ...extra,
  };
}

afterEach(() => vi.unstubAllGlobals());

describe("ProjectActivityPage", () => {
  it("tells every task's history by title and links to the tasks still there", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async (request: Request) => {
        const path = new URL(request.url).pathname;
        if (path === `/api/projects/${PROJECT}/activity`) {
          return json(200, {
            items: [
              entry("e4", 1, GONE, "Old idea", { kind: "deleted" }),
              entry("e3", 2, KEPT, "Write the post", {
                actor_id: BEN,
                actor_name: "Ben",
                kind: "status_changed",
                changes: [{ field: "status", before: "todo", after: "in_progress" }],
              }),
              entry("e2", 3, GONE, "Old idea", {}),
              entry("e1", 4, KEPT, "Write the post", {}),
            ],
            next_cursor: null,
          });
        }
        if (path === `/api/projects/${PROJECT}`) {
          return json(200, {
            id: PROJECT,
            name: "Launch",
            description: "",
            owner_id: ANA,
            is_inbox: false,
            role: "viewer",
            created_at: hoursAgo(9),
            updated_at: hoursAgo(9),
          });
        }
        return json(200, { items: [], next_cursor: null });
      }),
    );
    const router = createMemoryRouter([{ path: "/projects/:projectId/activity", element: <ProjectActivityPage /> }], {
      initialEntries: [`/projects/${PROJECT}/activity`],
    });
    render(
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <RouterProvider router={router} />
      </QueryClientProvider>,
    );

    expect(await screen.findByRole("heading", { name: "Activity" })).toBeInTheDocument();
    expect(await screen.findByText("Launch")).toBeInTheDocument();
    const items = within(screen.getByRole("region", { name: "Project activity" })).getAllByRole("listitem");
    expect(items.map((item) => item.querySelector("p")?.textContent)).toEqual([
      "Ana deleted “Old idea”, 1 hour ago",
      "Ben moved “Write the post” from To do to In progress, 2 hours ago",
      "Ana created “Old idea”, 3 hours ago",
      "Ana created “Write the post”, 4 hours ago",
    ]);
    const links = items.map((item) => within(item).queryByRole("link", { name: "Open the task" }));
    expect(links.map((link) => link?.getAttribute("href") ?? null)).toEqual([
      null,
      `/projects/${PROJECT}?task=${KEPT}`,
      null,
      `/projects/${PROJECT}?task=${KEPT}`,
    ]);
    expect(screen.getByRole("link", { name: "Back to tasks" })).toHaveAttribute("href", `/projects/${PROJECT}`);
  });
});
