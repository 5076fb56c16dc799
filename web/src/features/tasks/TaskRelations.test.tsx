import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";

import type { Schemas } from "../../api/client";
import { aTask } from "../../test/liveChanges";
import { TaskRelations } from "./TaskRelations";

vi.mock("sonner", () => ({ toast: { error: vi.fn(), success: vi.fn() } }));

type Relation = Schemas["RelationPublic"];

const json = (status: number, body?: unknown) =>
  new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { "Content-Type": status < 400 ? "application/json" : "application/problem+json" },
  });

afterEach(() => vi.unstubAllGlobals());

const other = (id: string, title: string, project_id = "p1", status: Relation["task"]["status"] = "todo") => ({
  id,
  project_id,
  title,
  status,
});

function server(relations: Relation[]) {
  const requests: string[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (request: Request) => {
      const url = new URL(request.url);
      requests.push(`${request.method} ${url.pathname}${url.search}`);
      if (request.method === "GET" && url.pathname === "/api/tasks/t1/relations")
        return json(200, { items: relations });
      if (request.method === "GET" && url.pathname === "/api/tasks") {
        const q = url.searchParams.get("q") ?? "";
        const all = [
          aTask({ id: "t1", title: "Ship the release" }),
          aTask({ id: "t3", title: "Release notes", project_id: "p2" }),
          aTask({ id: "t2", title: "Fix the release build" }),
        ];
        return json(200, { items: all.filter((task) => task.title.toLowerCase().includes(q)), next_cursor: null });
      }
      if (request.method === "POST") {
        const body = (await request.json()) as { kind: Relation["kind"]; task_id: string };
        const created = { id: "r9", kind: body.kind, task: other(body.task_id, "Release notes", "p2"), created_at: "" };
        relations = [...relations, created];
        return json(201, created);
      }
      if (request.method === "DELETE") {
        relations = relations.filter((relation) => !url.pathname.endsWith(relation.id));
        return json(204);
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
      <MemoryRouter initialEntries={["/projects/p1?task=t1"]}>
        <TaskRelations task={aTask({ id: "t1", title: "Ship the release" })} canEdit={canEdit} />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe("TaskRelations", () => {
  it("lists related tasks by kind, each a link that opens it (on its own project's page if elsewhere)", async () => {
    server([
      { id: "r1", kind: "blocked_by", task: other("t2", "Fix the release build"), created_at: "" },
      { id: "r2", kind: "relates_to", task: other("t4", "Old launch plan", "p2", "done"), created_at: "" },
    ]);
    show();

    const blockedBy = await screen.findByRole("list", { name: "Blocked by" });
    expect(within(blockedBy).getByRole("link", { name: "Fix the release build" })).toHaveAttribute(
      "href",
      "/projects/p1?task=t2",
    );
    const related = screen.getByRole("list", { name: "Related" });
    expect(within(related).getByRole("link", { name: "Old launch plan" })).toHaveAttribute(
      "href",
      "/projects/p2?task=t4",
    );
    expect(within(related).getByText("Done")).toBeInTheDocument();
  });

  it("adds a relation to a task found by its title, and removes one", async () => {
    const user = userEvent.setup({ delay: null });
    const requests = server([
      { id: "r1", kind: "blocked_by", task: other("t2", "Fix the release build"), created_at: "" },
    ]);
    show();

    await user.click(await screen.findByRole("button", { name: "Add relation" }));
    const form = screen.getByRole("form", { name: "Add a relation" });
    await user.selectOptions(within(form).getByRole("combobox", { name: "This task" }), "Blocks");
    await user.type(within(form).getByRole("searchbox", { name: "Other task" }), "release");
    // Neither the task itself nor one already related is offered.
    const matches = await within(form).findByRole("list", { name: "Matching tasks" });
    expect(
      within(matches)
        .getAllByRole("button")
        .map((button) => button.textContent),
    ).toEqual(["Release notes"]);
    await user.click(within(matches).getByRole("button", { name: "Release notes" }));
    await user.click(within(form).getByRole("button", { name: "Add relation" }));

    const blocks = await screen.findByRole("list", { name: "Blocks" });
    expect(within(blocks).getByRole("link", { name: "Release notes" })).toHaveAttribute("href", "/projects/p2?task=t3");
    expect(screen.queryByRole("form", { name: "Add a relation" })).not.toBeInTheDocument();
    await waitFor(() => expect(screen.getByRole("button", { name: "Add relation" })).toHaveFocus());
    expect(requests).toContain("POST /api/tasks/t1/relations");

    await user.click(screen.getByRole("button", { name: "Remove the relation “is blocked by Fix the release build”" }));
    await waitFor(() => expect(screen.queryByRole("list", { name: "Blocked by" })).not.toBeInTheDocument());
    expect(requests).toContain("DELETE /api/tasks/t1/relations/r1");
  });

  it("shows a viewer the links only", async () => {
    server([{ id: "r1", kind: "duplicates", task: other("t2", "Fix the release build"), created_at: "" }]);
    show(false);
    expect(await screen.findByRole("link", { name: "Fix the release build" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /Add relation|Remove/ })).not.toBeInTheDocument();
  });
});
