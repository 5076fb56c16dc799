import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { currentToken, forget, grant } from "../../lib/session";
import { compareIds, connectNotifications, type Notification } from "./stream";

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

function event(n: Notification): string {
  return `id: ${n.id}\nevent: notification\ndata: ${JSON.stringify(n)}\n\n`;
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
    expect(second).toMatchObject({ authorization: "Bearer first", lastEventId: "100-1" });
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

  it("passes each id once when a reconnect replays what was delivered already", async () => {
    const calls = fakeServer([
      (call) => sse([event(notice("5-0")), event(notice("6-0"))], call),
      (call) => sse([event(notice("6-0")), event(notice("7-0"))], call, { open: true }),
    ]);
    const received: string[] = [];
    stop = connectNotifications({ ...fast, onNotification: (n) => received.push(n.id) });
    await vi.waitFor(() => expect(received).toEqual(["5-0", "6-0", "7-0"]));
    expect(streamCalls(calls)[1]?.lastEventId).toBe("6-0");
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
    expect(streamCalls(calls)[1]).toMatchObject({ authorization: "Bearer renewed", lastEventId: "42-3" });
  });

  it("replaces a stream that has gone silent, resuming from the last event", async () => {
    const calls = fakeServer([(call) => sse([event(notice("77-0"))], call, { open: true })]);
    const received: string[] = [];
    stop = connectNotifications({ ...fast, staleAfterMs: 60, onNotification: (n) => received.push(n.id) });
    await vi.waitFor(() => expect(streamCalls(calls).length).toBeGreaterThanOrEqual(2));
    expect(received).toEqual(["77-0"]);
    expect(streamCalls(calls)[0]?.signal?.aborted).toBe(true);
    expect(streamCalls(calls)[1]).toMatchObject({ authorization: "Bearer first", lastEventId: "77-0" });
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

  it("orders feed ids by time, then sequence", () => {
    expect(compareIds("1700000000000-2", "1700000000000-10")).toBeLessThan(0);
    expect(compareIds("1700000000001-0", "1700000000000-99")).toBeGreaterThan(0);
    expect(compareIds("5-5", "5-5")).toBe(0);
  });
});
