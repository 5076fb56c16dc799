import { QueryClient, QueryClientProvider, type InfiniteData } from "@tanstack/react-query";
import { act, renderHook, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { taskKeys, useTask, useTaskList, useUpdateTask, type Task, type TaskPage, type TaskQuery } from "./api";

vi.mock("sonner", () => ({ toast: { error: vi.fn(), success: vi.fn() } }));
const { toast } = await import("sonner");

const CONFLICT = "Someone else changed this in the meantime. The latest version is shown; make your change again.";

const task = (over: Partial<Task> = {}): Task => ({
  id: "t1",
  project_id: "p1",
  title: "Write the release notes",
  description: "",
  status: "todo",
  priority: "medium",
  due_at: null,
  due_date: null,
  labels: [],
  assignee_id: null,
  creator_id: "u1",
  created_at: "2026-11-20T10:00:00Z",
  updated_at: "2026-11-20T10:00:00Z",
  completed_at: null,
  parent_id: null,
  subtask_count: 0,
  subtasks_done: 0,
  recurrence: null,
  recurrence_basis: null,
  next_occurrence_id: null,
  version: 3,
  ...over,
});

const json = (status: number, body: unknown, type = "application/json") =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": type } });

const todo: TaskQuery = { project_id: "p1", status: ["todo"] };
const done: TaskQuery = { project_id: "p1", status: ["done"] };
const page = (...items: Task[]): InfiniteData<TaskPage, string | undefined> => ({
  pages: [{ items, next_cursor: null }],
  pageParams: [undefined],
});

interface Call {
  method: string;
  path: string;
  body: unknown;
}

/** A fake API: PATCH answers with `patch`; GETs wait until `release()` and then answer from `server`. */
function fakeApi(patch: () => Response | Promise<Response>, server: { detail: Task; todo: Task[]; done: Task[] }) {
  const calls: Call[] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  vi.stubGlobal(
    "fetch",
    vi.fn(async (request: Request) => {
      const url = new URL(request.url);
      const body = request.method === "PATCH" ? await request.json() : undefined;
      calls.push({ method: request.method, path: url.pathname + url.search, body });
      if (request.method === "PATCH") return patch();
      await gate;
      if (url.pathname === "/api/tasks/t1") return json(200, server.detail);
      const status = url.searchParams.get("status");
      return json(200, { items: status === "done" ? server.done : server.todo, next_cursor: null });
    }),
  );
  return { calls, release: () => release() };
}

function setup(seed: { detail?: Task; todo: Task[]; done: Task[] }) {
  const client = new QueryClient({
    defaultOptions: { queries: { staleTime: Infinity, retry: false }, mutations: { retry: false } },
  });
  if (seed.detail) client.setQueryData(taskKeys.detail("t1"), seed.detail);
  client.setQueryData(taskKeys.list(todo), page(...seed.todo));
  client.setQueryData(taskKeys.list(done), page(...seed.done));
  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={client}>{children}</QueryClientProvider>
  );
  return { client, wrapper };
}

const cached = (client: QueryClient) => ({
  detail: client.getQueryData(taskKeys.detail("t1")),
  todo: client.getQueryData(taskKeys.list(todo)),
  done: client.getQueryData(taskKeys.list(done)),
});

describe("useUpdateTask", () => {
  beforeEach(() => vi.mocked(toast.error).mockClear());
  afterEach(() => vi.unstubAllGlobals());

  it("moves the task between status-filtered lists at once and keeps the saved version", async () => {
    // Older: newest first, the moved task goes above it.
    const other = task({ id: "t2", title: "Ship it", status: "done", created_at: "2026-11-19T10:00:00Z" });
    const { client, wrapper } = setup({ detail: task(), todo: [task()], done: [other] });
    const saved = task({ status: "done", version: 4, completed_at: "2026-11-26T10:00:00Z" });
    let answer: (response: Response) => void = () => undefined;
    const patched = new Promise<Response>((resolve) => {
      answer = resolve;
    });
    const { calls } = fakeApi(() => patched, { detail: saved, todo: [], done: [saved, other] });
    const { result } = renderHook(() => useUpdateTask(), { wrapper });

    act(() => result.current.mutate({ task: task(), changes: { status: "done" } }));

    // Before the server answers, the card has already moved.
    await waitFor(() => expect(cached(client).todo).toEqual(page()));
    expect(cached(client).done).toEqual(page({ ...task(), status: "done" }, other));
    expect(cached(client).detail).toMatchObject({ status: "done", version: 3 });

    answer(json(200, saved));
    await waitFor(() => expect(result.current.isSuccess).toBe(true));
    expect(calls[0]).toEqual({ method: "PATCH", path: "/api/tasks/t1", body: { status: "done", version: 3 } });
    expect(cached(client)).toEqual({ detail: saved, todo: page(), done: page(saved, other) });
    expect(toast.error).not.toHaveBeenCalled();
  });

  it("puts every cache back, says why, and fetches the latest version after a 409", async () => {
    const seeded = { detail: task(), todo: [task()], done: [] };
    const { client, wrapper } = setup(seeded);
    const before = cached(client);
    const theirs = task({ title: "Write the release notes (v2)", version: 4 });
    const server = fakeApi(
      () =>
        json(
          409,
          {
            type: "about:blank",
            title: "Conflict",
            status: 409,
            detail: "The task changed since version 3.",
            current_version: 4,
          },
          "application/problem+json",
        ),
      { detail: theirs, todo: [theirs], done: [] },
    );
    // Observers, as on a real screen: what is shown gets refetched after the refusal.
    const { result } = renderHook(
      () => ({ update: useUpdateTask(), detail: useTask("t1"), todo: useTaskList(todo), done: useTaskList(done) }),
      { wrapper },
    );

    act(() => result.current.update.mutate({ task: task(), changes: { status: "done", title: "Mine" } }));

    await waitFor(() => expect(result.current.update.isError).toBe(true));
    expect(cached(client)).toEqual(before);
    expect(toast.error).toHaveBeenCalledWith(CONFLICT);
    // The refetch of everything shown is under way.
    await waitFor(() =>
      expect(
        server.calls
          .filter((call) => call.method === "GET")
          .map((call) => call.path)
          .sort(),
      ).toEqual([
        "/api/tasks/t1",
        "/api/tasks?limit=50&project_id=p1&status=done",
        "/api/tasks?limit=50&project_id=p1&status=todo",
      ]),
    );
    server.release();
    await waitFor(() => expect(cached(client).detail).toEqual(theirs));
    expect(cached(client).todo).toEqual(page(theirs));
  });

  it("leaves no made-up detail behind when a move from a list is refused", async () => {
    const { client, wrapper } = setup({ todo: [task()], done: [] });
    const before = cached(client);
    fakeApi(
      () =>
        json(
          403,
          { title: "Forbidden", status: 403, detail: "Viewers cannot change tasks." },
          "application/problem+json",
        ),
      {
        detail: task(),
        todo: [task()],
        done: [],
      },
    );
    const { result } = renderHook(() => useUpdateTask(), { wrapper });

    act(() => result.current.mutate({ task: task(), changes: { status: "done" } }));

    await waitFor(() => expect(result.current.isError).toBe(true));
    expect(cached(client)).toEqual(before);
    expect(client.getQueryCache().find({ queryKey: taskKeys.detail("t1"), exact: true })).toBeUndefined();
    expect(toast.error).toHaveBeenCalledWith("Viewers cannot change tasks.");
  });
});
