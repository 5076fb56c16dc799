import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import { RouterProvider, createMemoryRouter, useLocation } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";

import { TaskRedirect } from "./TaskRedirect";

const json = (status: number, body: unknown, type = "application/json") =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": type } });

function Where() {
  const location = useLocation();
  return <p>At {location.pathname + location.search}</p>;
}

function visit(path: string) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const router = createMemoryRouter(
    [
      { path: "/tasks/:taskId", element: <TaskRedirect /> },
      { path: "/projects/:projectId", element: <Where /> },
    ],
    { initialEntries: ["/", path], initialIndex: 1 },
  );
  render(
    <QueryClientProvider client={client}>
      <RouterProvider router={router} />
    </QueryClientProvider>,
  );
  return router;
}

afterEach(() => vi.unstubAllGlobals());

describe("TaskRedirect", () => {
  it("opens the task in its project, replacing the redirect in the history", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => json(200, { id: "t1", project_id: "p9", title: "A task" })),
    );
    const router = visit("/tasks/t1");

    expect(await screen.findByText("At /projects/p9?task=t1")).toBeInTheDocument();
    expect(router.state.historyAction).toBe("REPLACE");
  });

  it("says so clearly when the task does not exist", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () =>
        json(404, { title: "Not Found", status: 404, detail: "No such task." }, "application/problem+json"),
      ),
    );
    visit("/tasks/missing");

    expect(await screen.findByRole("heading", { name: "Task not found" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Go to your tasks" })).toHaveAttribute("href", "/");
  });
});
