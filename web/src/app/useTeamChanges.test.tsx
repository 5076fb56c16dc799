// The app's handling of team changes: each feature's cache patched, histories looked at again,
// and a person who lost a project moved off its pages, told why, its data dropped.
import { QueryClient, QueryClientProvider, useQuery } from "@tanstack/react-query";
import { act, render, screen, waitFor } from "@testing-library/react";
import { RouterProvider, createMemoryRouter } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { keys, type Project } from "../api/queries";
import type { LiveHandlers } from "../features/notifications/LiveNotifications";
import { taskKeys } from "../features/tasks/api";
import { clearMarks } from "../lib/liveMarks";
import { aChange, aTask, ANA, ME } from "../test/liveChanges";
import { useTeamChanges } from "./useTeamChanges";

const { toast } = vi.hoisted(() => ({ toast: Object.assign(vi.fn(), { error: vi.fn(), success: vi.fn() }) }));
vi.mock("sonner", () => ({ toast }));
vi.mock("../lib/auth", () => ({
  useUser: () => ({ id: ME, email: "me@example.com", display_name: "Me", created_at: "", updated_at: "" }),
}));

const STAMP = "2026-11-20T10:00:00Z";
const project = (id: string, name: string): Project => ({
  id,
  name,
  description: "",
  owner_id: ANA,
  is_inbox: id === "inbox",
  notify_new_tasks: false,
  role: "editor",
  created_at: STAMP,
  updated_at: STAMP,
});

let handlers: LiveHandlers = {};

/** A page of the project, reading its project as the real one does (never fetched here). */
function ProjectPage() {
  handlers = useTeamChanges();
  useQuery({ queryKey: keys.project("p1"), queryFn: () => new Promise<Project>(() => undefined) });
  return <p>Project page</p>;
}

function Home() {
  handlers = useTeamChanges();
  return <p>Home</p>;
}

function show(at: string) {
  const client = new QueryClient({ defaultOptions: { queries: { staleTime: Infinity, retry: false } } });
  client.setQueryData(keys.projects, [project("inbox", "Inbox"), project("p1", "Launch")]);
  client.setQueryData(keys.project("p1"), project("p1", "Launch"));
  client.setQueryData(taskKeys.list({ project_id: "p1" }), {
    pages: [{ items: [aTask()], next_cursor: null }],
    pageParams: [undefined],
  });
  const router = createMemoryRouter(
    [
      { path: "/", element: <Home /> },
      { path: "/projects/:projectId", element: <ProjectPage /> },
    ],
    { initialEntries: [at] },
  );
  render(
    <QueryClientProvider client={client}>
      <RouterProvider router={router} />
    </QueryClientProvider>,
  );
  return { client, router };
}

const listed = (client: QueryClient) => client.getQueryData<Project[]>(keys.projects)?.map((p) => p.name);

beforeEach(() => toast.mockClear());
afterEach(() => clearMarks());

describe("team changes in the app", () => {
  it("moves the person off a project they lost while away, says so, and drops its data", async () => {
    const { client, router } = show("/projects/p1");
    await screen.findByText("Project page");
    act(() => handlers.onRevoked?.("p1"));

    expect(listed(client)).toEqual(["Inbox"]);
    await screen.findByText("Home");
    expect(router.state.location.state).toEqual({ accessEnded: true });
    expect(toast).toHaveBeenCalledWith("You no longer have access to Launch.", expect.anything());
    // Once the page that read them is gone.
    await waitFor(() => expect(client.getQueryData(keys.project("p1"))).toBeUndefined());
    expect(client.getQueryData(taskKeys.list({ project_id: "p1" }))).toBeUndefined();
  });

  it("says who removed the person, and leaves them where they are when elsewhere", async () => {
    const { client, router } = show("/");
    await screen.findByText("Home");
    const removed = aChange("com.taskflow.project.member_removed", {
      project_id: "p1",
      project_name: "Launch",
      user_id: ME,
      role: "editor",
      unassigned_task_ids: [],
    });
    act(() => handlers.onChange?.(removed));
    expect(listed(client)).toEqual(["Inbox"]);
    expect(router.state.location.pathname).toBe("/");
    expect(toast).toHaveBeenCalledWith(
      "You no longer have access to Launch: Ana removed you from it.",
      expect.anything(),
    );
    await waitFor(() => expect(client.getQueryData(taskKeys.list({ project_id: "p1" }))).toBeUndefined());
  });

  it("follows the person's own deletion of a project quietly", async () => {
    const { client } = show("/");
    await screen.findByText("Home");
    act(() =>
      handlers.onChange?.(
        aChange(
          "com.taskflow.project.deleted",
          { project_id: "p1", project_name: "Launch" },
          { actor_id: ME, actor_name: "Me" },
        ),
      ),
    );
    expect(listed(client)).toEqual(["Inbox"]);
    expect(toast).not.toHaveBeenCalled();
  });

  it("patches the task where it is shown and has its histories looked at again", async () => {
    const { client } = show("/");
    await screen.findByText("Home");
    client.setQueryData(["activity", "task", "t1"], { pages: [], pageParams: [] });
    client.setQueryData(["activity", "project", "p1"], { pages: [], pageParams: [] });
    client.setQueryData(["activity", "project", "p2"], { pages: [], pageParams: [] });
    act(() =>
      handlers.onChange?.(
        aChange("com.taskflow.task.updated", { task: aTask({ title: "New title", version: 2 }), changed: ["title"] }),
      ),
    );
    expect(
      client.getQueryData<{ pages: { items: { title: string }[] }[] }>(taskKeys.list({ project_id: "p1" }))?.pages[0]
        ?.items[0]?.title,
    ).toBe("New title");
    expect(client.getQueryState(["activity", "task", "t1"])?.isInvalidated).toBe(true);
    expect(client.getQueryState(["activity", "project", "p1"])?.isInvalidated).toBe(true);
    expect(client.getQueryState(["activity", "project", "p2"])?.isInvalidated).toBe(false);
  });
});
