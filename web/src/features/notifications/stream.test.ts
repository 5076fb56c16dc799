import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { currentToken, forget, grant } from "../../lib/session";
import type { LiveChange } from "../../api/liveChanges";
import { connectNotifications, type Notification } from "./stream";

const encoder = new TextEncoder();

function notice(id: string, message = `notice ${id}`): Notification {
  return {
    id,
    kind: "task.assigned",
    message,
    task_id: "7d0b7f0e-1111-4c4c-9c9c-000000000001",
    project_id: "7d0b7f0e-2222-4c4c-9c9c-000000000002",
    actor_id: null,
    created_at: "2026-11-26T10:00:00Z",
    read: false,
  };
}

// The server's positions are opaque: the client only hands the last one back.
const position = (id: string) => `n:${id}~a:0-0~t:1733000000000~9f1c2e3d4b5a69788796a5b4c3d2e1f0:${id}`;

function event(n: Notification, at = position(n.id)): string {
  return `id: ${at}\nevent: notification\ndata: ${JSON.stringify(n)}\n\n`;
}

const PROJECT = "9f1c2e3d-4b5a-6978-8796-a5b4c3d2e1f0";

function change(eventId: string, title = "Write the notes"): LiveChange {
  return {
    type: "com.taskflow.task.created",
    event_id: eventId,
    project_id: PROJECT,
    actor_id: "7d0b7f0e-3333-4c4c-9c9c-000000000003",
    actor_name: "Ana",
    time: "2026-11-26T10:00:00Z",
    data: {
      task: {
        id: "7d0b7f0e-1111-4c4c-9c9c-000000000001",
        project_id: PROJECT,
        title,
        description: "",
        status: "todo",
        priority: "medium",
        due_at: null,
        due_date: null,
        labels: [],
        assignee_id: null,
        creator_id: null,
        created_at: "2026-11-26T10:00:00Z",
        updated_at: "2026-11-26T10:00:00Z",
        completed_at: null,
        parent_id: null,
        subtask_count: 0,
        subtasks_done: 0,
        recurrence: null,
        recurrence_basis: null,
        next_occurrence_id: null,
        version: 1,
      },
    },
  };
}

function changeEvent(c: LiveChange, at: string): string {
  return `id: ${at}\nevent: change\ndata: ${JSON.stringify(c)}\n\n`;
}

interface Call {
  path: string;
  authorization: string | null;
  lastEventId: string | null;
  signal: AbortSignal | undefined;
}

type Answer = (call: Call) => Response | Promise<Response>;

/** An SSE answer: the chunks, then the end of the stream unless `open` (ended on abort). */
function sse(chunks: string[], call: Call, { open = false } = {}): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      if (!open) controller.close();
      call.signal?.addEventListener("abort", () => controller.error(new DOMException("aborted", "AbortError")));
    },
  });
  return new Response(body, { status: 200, headers: { "Content-Type": "text/event-stream" } });
}

const problem = (status: number) =>
  new Response(JSON.stringify({ title: "Refused", status }), {
    status,
    headers: { "Content-Type": "application/problem+json" },
  });

/** A fake fetch: each stream request takes the next answer; refresh turns the cookie into "new". */
function fakeServer(answers: Answer[], refreshWorks = true) {
  const calls: Call[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input), window.location.origin);
    const headers = new Headers(init?.headers);
    const call: Call = {
      path: url.pathname,
      authorization: headers.get("Authorization"),
      lastEventId: headers.get("Last-Event-ID"),
      signal: init?.signal ?? undefined,
    };
    calls.push(call);
    if (call.path === "/api/auth/refresh") {
      return refreshWorks
        ? new Response(JSON.stringify({ access_token: "new", expires_in: 900 }), { status: 200 })
        : problem(401);
    }
    const answer = answers.shift();
    // Past the scripted answers, the stream stays open and quiet.
    return answer ? answer(call) : sse([": heartbeat\n\n"], call, { open: true });
  });
  vi.stubGlobal("fetch", fetchMock);
  return calls;
}

const streamCalls = (calls: Call[]) => calls.filter((call) => call.path === "/api/notifications/stream");
const fast = { retry: { initialMs: 5, maxMs: 20 } };

describe("the notification stream client", () => {
  let stop: (() => void) | undefined;

  beforeEach(() => grant({ access_token: "first", expires_in: 900 }));
  afterEach(() => {
    stop?.();
    stop = undefined;
    forget();
    vi.unstubAllGlobals();
  });

  it("delivers notification events, skips heartbeats, and resumes after the stream ends with Last-Event-ID and the current token", async () => {
    const calls = fakeServer([
      (call) => sse([event(notice("100-0")), ": heartbeat\n\n", event(notice("100-1"))], call),
    ]);
    const received: string[] = [];
    const opened: boolean[] = [];
    stop = connectNotifications({
      ...fast,
      onNotification: (n) => received.push(n.id),
      onOpen: ({ resumed }) => opened.push(resumed),
    });

    await vi.waitFor(() => expect(streamCalls(calls)).toHaveLength(2));
    expect(received).toEqual(["100-0", "100-1"]);
    const [first, second] = streamCalls(calls);
    expect(first).toMatchObject({ authorization: "Bearer first", lastEventId: null });
    expect(second).toMatchObject({ authorization: "Bearer first", lastEventId: position("100-1") });
    await vi.waitFor(() => expect(opened).toEqual([false, true]));
  });

  it("asks for a refetch and reconnects from now when the server says the stream fell behind", async () => {
    const calls = fakeServer([
      (call) => sse([event(notice("100-0")), "event: refetch\ndata: {}\nretry: 1000\n\n"], call),
    ]);
    const received: string[] = [];
    let refetches = 0;
    stop = connectNotifications({
      ...fast,
      onNotification: (n) => received.push(n.id),
      onRefetch: () => (refetches += 1),
    });
    await vi.waitFor(() => expect(streamCalls(calls)).toHaveLength(2));
    expect(received).toEqual(["100-0"]);
    expect(refetches).toBe(1);
    expect(streamCalls(calls)[1]?.lastEventId).toBeNull();
  });

  it("passes each notification once, by its own id, when a reconnect replays what was delivered already", async () => {
    const calls = fakeServer([
      (call) => sse([event(notice("5-0")), event(notice("6-0"))], call),
      // Positions need not grow the way ids do: they are never compared.
      (call) => sse([event(notice("6-0"), "z"), event(notice("7-0"), "a")], call, { open: true }),
    ]);
    const received: string[] = [];
    stop = connectNotifications({ ...fast, onNotification: (n) => received.push(n.id) });
    await vi.waitFor(() => expect(received).toEqual(["5-0", "6-0", "7-0"]));
    expect(streamCalls(calls)[1]?.lastEventId).toBe(position("6-0"));
  });

  it("delivers each change once by its event id, and hands the last position back on reconnect", async () => {
    const first = change("e-1");
    const twice = change("e-2", "Renamed");
    const calls = fakeServer([
      (call) =>
        sse(
          [
            changeEvent(first, "n:0-0~a:1-0~t:5"),
            // A new member's first change comes on two of the server's streams: once here.
            changeEvent(first, "n:0-0~a:1-0~t:5~p:1-0"),
            changeEvent(twice, "n:0-0~a:1-0~t:5~p:2-0"),
          ],
          call,
        ),
      (call) => sse([changeEvent(twice, "n:0-0~a:1-0~t:5~p:2-0")], call, { open: true }),
    ]);
    const changes: LiveChange[] = [];
    stop = connectNotifications({ ...fast, onNotification: () => {}, onChange: (c) => changes.push(c) });
    await vi.waitFor(() => expect(streamCalls(calls)).toHaveLength(2));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(changes.map((c) => c.event_id)).toEqual(["e-1", "e-2"]);
    expect(changes[1]).toEqual(twice);
    expect(streamCalls(calls)[1]?.lastEventId).toBe("n:0-0~a:1-0~t:5~p:2-0");
  });

  it("says which project was revoked, and ignores events and change types it does not know", async () => {
    fakeServer([
      (call) =>
        sse(
          [
            `event: revoked\ndata: {"project_id":"${PROJECT}"}\n\n`,
            `id: x\nevent: change\ndata: ${JSON.stringify({ ...change("e-9"), type: "com.taskflow.task.due_soon" })}\n\n`,
            `id: y\nevent: presence\ndata: {}\n\n`,
            changeEvent(change("e-10"), "z"),
          ],
          call,
          { open: true },
        ),
    ]);
    const revoked: string[] = [];
    const changes: string[] = [];
    stop = connectNotifications({
      ...fast,
      onNotification: () => {},
      onRevoked: (projectId) => revoked.push(projectId),
      onChange: (c) => changes.push(c.event_id),
    });
    await vi.waitFor(() => expect(changes).toEqual(["e-10"]));
    expect(revoked).toEqual([PROJECT]);
  });

  it("reconnects at once when the browser comes back online, resuming where it was", async () => {
    const calls = fakeServer([(call) => sse([event(notice("1-0"))], call)]);
    const received: string[] = [];
    stop = connectNotifications({
      retry: { initialMs: 60_000, maxMs: 60_000 },
      onNotification: (n) => received.push(n.id),
    });
    await vi.waitFor(() => expect(received).toEqual(["1-0"]));
    // The stream ended; the next try would wait half a minute or more, but the network is back.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(streamCalls(calls)).toHaveLength(1);
    window.dispatchEvent(new Event("online"));
    await vi.waitFor(() => expect(streamCalls(calls)).toHaveLength(2));
    expect(streamCalls(calls)[1]?.lastEventId).toBe(position("1-0"));
  });

  it("refreshes the session once on a 401 and reconnects with the new token", async () => {
    const calls = fakeServer([() => problem(401), (call) => sse([event(notice("9-0"))], call, { open: true })]);
    const received: string[] = [];
    stop = connectNotifications({ ...fast, onNotification: (n) => received.push(n.id) });

    await vi.waitFor(() => expect(received).toEqual(["9-0"]));
    expect(calls.map((call) => [call.path, call.authorization])).toEqual([
      ["/api/notifications/stream", "Bearer first"],
      ["/api/auth/refresh", null],
      ["/api/notifications/stream", "Bearer new"],
    ]);
    expect(currentToken()).toBe("new");
  });

  it("stops when the refresh is refused, and starts again on the next sign-in", async () => {
    const calls = fakeServer([() => problem(401)], false);
    const statuses: string[] = [];
    stop = connectNotifications({ ...fast, onNotification: () => {}, onStatus: (s) => statuses.push(s) });

    await vi.waitFor(() => expect(statuses.at(-1)).toBe("signed-out"));
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(streamCalls(calls)).toHaveLength(1);

    grant({ access_token: "again", expires_in: 900 });
    await vi.waitFor(() => expect(streamCalls(calls)).toHaveLength(2));
    expect(streamCalls(calls)[1]).toMatchObject({ authorization: "Bearer again", lastEventId: null });
  });

  it("closes the open stream on sign-out", async () => {
    const calls = fakeServer([]);
    stop = connectNotifications({ ...fast, onNotification: () => {} });
    await vi.waitFor(() => expect(streamCalls(calls)).toHaveLength(1));
    forget();
    expect(streamCalls(calls)[0]?.signal?.aborted).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(streamCalls(calls)).toHaveLength(1);
  });

  it("restarts with the renewed token and the last event id when the token is refreshed", async () => {
    const calls = fakeServer([(call) => sse([event(notice("42-3"))], call, { open: true })]);
    const received: string[] = [];
    stop = connectNotifications({ ...fast, onNotification: (n) => received.push(n.id) });
    await vi.waitFor(() => expect(received).toEqual(["42-3"]));

    grant({ access_token: "renewed", expires_in: 900 });
    await vi.waitFor(() => expect(streamCalls(calls)).toHaveLength(2));
    expect(streamCalls(calls)[0]?.signal?.aborted).toBe(true);
    expect(streamCalls(calls)[1]).toMatchObject({ authorization: "Bearer renewed", lastEventId: position("42-3") });
  });

  it("replaces a stream that has gone silent, resuming from the last event", async () => {
    const calls = fakeServer([(call) => sse([event(notice("77-0"))], call, { open: true })]);
    const received: string[] = [];
    stop = connectNotifications({ ...fast, staleAfterMs: 60, onNotification: (n) => received.push(n.id) });
    await vi.waitFor(() => expect(streamCalls(calls).length).toBeGreaterThanOrEqual(2));
    expect(received).toEqual(["77-0"]);
    expect(streamCalls(calls)[0]?.signal?.aborted).toBe(true);
    expect(streamCalls(calls)[1]).toMatchObject({ authorization: "Bearer first", lastEventId: position("77-0") });
  });

  it("keeps a stream that is quiet but for its heartbeats", async () => {
    const calls = fakeServer([
      (call) => {
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            const beat = setInterval(() => controller.enqueue(encoder.encode(": heartbeat\n\n")), 20);
            call.signal?.addEventListener("abort", () => {
              clearInterval(beat);
              controller.error(new DOMException("aborted", "AbortError"));
            });
          },
        });
        return new Response(body, { status: 200, headers: { "Content-Type": "text/event-stream" } });
      },
    ]);
    stop = connectNotifications({ ...fast, staleAfterMs: 80, onNotification: () => {} });
    await vi.waitFor(() => expect(streamCalls(calls)).toHaveLength(1));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(streamCalls(calls)).toHaveLength(1);
  });

  it("waits longer after each failure, up to the cap, with jitter", async () => {
    vi.useFakeTimers();
    try {
      const calls = fakeServer([() => problem(503), () => problem(503), () => problem(503), () => problem(502)]);
      stop = connectNotifications({
        retry: { initialMs: 1000, maxMs: 3000 },
        random: () => 1,
        onNotification: () => {},
      });
      // Delays: 1000, 2000, then capped at 3000 (random() = 1: the top of each jittered range).
      await vi.advanceTimersByTimeAsync(0);
      expect(streamCalls(calls)).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(999);
      expect(streamCalls(calls)).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(streamCalls(calls)).toHaveLength(2);
      await vi.advanceTimersByTimeAsync(2000);
      expect(streamCalls(calls)).toHaveLength(3);
      await vi.advanceTimersByTimeAsync(2999);
      expect(streamCalls(calls)).toHaveLength(3);
      await vi.advanceTimersByTimeAsync(1);
      expect(streamCalls(calls)).toHaveLength(4);
      await vi.advanceTimersByTimeAsync(3000);
      expect(streamCalls(calls)).toHaveLength(5);
    } finally {
      vi.useRealTimers();
    }
  });
});
