// The live stream, one per tab: the person's notifications and every change to their projects,
// as Server-Sent Events read with fetch (the stream needs the Authorization header, which
// EventSource cannot send), kept open across token refreshes, sign-in and sign-out, network
// failures and server restarts, resuming with Last-Event-ID.
import { fetchEventSource, type EventSourceMessage } from "@microsoft/fetch-event-source";

import type { Schemas } from "../../api/client";
import { parseLiveChange, type LiveChange } from "../../api/liveChanges";
import { currentToken, onTokenChange, refresh } from "../../lib/session";

export type Notification = Schemas["NotificationPublic"];
export type StreamStatus = "connecting" | "open" | "waiting" | "signed-out" | "closed";

export const STREAM_PATH = "/api/notifications/stream";
const NOTIFICATION_EVENT = "notification";
const CHANGE_EVENT = "change";
// A project the person may no longer see (their membership ended while the stream was away).
const REVOKED_EVENT = "revoked";
// The server fell too far behind this client's stream: what the page shows may be stale.
const REFETCH_EVENT = "refetch";
const EVENT_STREAM = "text/event-stream";
// Ids remembered to pass each notification and change once (a resumed stream may repeat some,
// and a new member's first change arrives on two of the server's streams).
const REMEMBERED_IDS = 2000;

export interface SessionAccess {
  currentToken: () => string | null;
  refresh: () => Promise<string | null>;
  onTokenChange: (listener: (token: string | null) => void) => () => void;
}

export interface StreamOptions {
  onNotification: (notification: Notification) => void;
  /** A change to one of the person's projects, once each (by its event id). */
  onChange?: (change: LiveChange) => void;
  /** The person may no longer see this project. */
  onRevoked?: (projectId: string) => void;
  /** Each time the stream (re)opens; `resumed` when it replays from a Last-Event-ID. */
  onOpen?: (info: { resumed: boolean }) => void;
  onStatus?: (status: StreamStatus) => void;
  /** The stream fell behind and was dropped: refetch what is shown; it reconnects from now. */
  onRefetch?: () => void;
  url?: string;
  fetch?: typeof fetch;
  session?: SessionAccess;
  /** Reconnect delays: the first after `initialMs`, doubling up to `maxMs`, jittered. */
  retry?: { initialMs?: number; maxMs?: number };
  /** A stream silent this long (no event, no heartbeat) is taken as dead and replaced. */
  staleAfterMs?: number;
  random?: () => number;
}

/** A failed answer to the stream's request (anything but a 200 of text/event-stream). */
class StreamRefused extends Error {
  readonly status: number;
  constructor(status: number) {
    super(`the notification stream answered ${status}`);
    this.status = status;
  }
}

/** The server ended the stream (it restarts, or lost Redis): reconnect and resume. */
class StreamEnded extends Error {}

function json(message: EventSourceMessage): unknown {
  try {
    return JSON.parse(message.data);
  } catch {
    return null;
  }
}

function asNotification(value: unknown): Notification | null {
  const candidate = value as Partial<Notification> | null;
  return typeof candidate?.id === "string" && typeof candidate.message === "string"
    ? (candidate as Notification)
    : null;
}

/** A set of the newest `size` ids: what a replay may repeat is recent. */
function recentIds(size: number) {
  const ids = new Set<string>();
  return {
    /** True the first time `id` is offered. */
    first(id: string): boolean {
      if (ids.has(id)) return false;
      ids.add(id);
      if (ids.size > size) ids.delete(ids.values().next().value as string);
      return true;
    },
  };
}

/**
 * Follow the signed-in user's notifications and project changes live. Each notification and
 * each change reaches its callback once (by its own id), in order; the answer stops the
 * stream for good.
 */
export function connectNotifications(options: StreamOptions): () => void {
  const session = options.session ?? { currentToken, refresh, onTokenChange };
  const url = options.url ?? STREAM_PATH;
  const initialMs = options.retry?.initialMs ?? 1000;
  const maxMs = options.retry?.maxMs ?? 30_000;
  const random = options.random ?? Math.random;
  // The server sends a heartbeat every 15 s: three missed means the connection is gone
  // (a sleeping laptop, a proxy that dropped it) without the socket having said so.
  const staleAfterMs = options.staleAfterMs ?? 45_000;
  const fetchImpl: typeof fetch = (input, init) => (options.fetch ?? globalThis.fetch)(input, init);

  // The server's position after the last event: opaque, only handed back on reconnect.
  let lastEventId: string | null = null;
  const delivered = recentIds(REMEMBERED_IDS);
  let failures = 0;
  let connection: AbortController | null = null;
  let connectedWith: string | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let watchdog: ReturnType<typeof setTimeout> | undefined;
  let refreshing = false;
  let closed = false;

  const status = (value: StreamStatus) => options.onStatus?.(value);

  /** Half the doubled delay fixed, half random: clients cut off together do not return together. */
  function backoff(): number {
    const ceiling = Math.min(maxMs, initialMs * 2 ** Math.max(0, failures - 1));
    return ceiling / 2 + random() * (ceiling / 2);
  }

  function halt(): void {
    clearTimeout(retryTimer);
    clearTimeout(watchdog);
    retryTimer = undefined;
    connection?.abort();
    connection = null;
    connectedWith = null;
  }

  function later(): void {
    failures += 1;
    status("waiting");
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => void open(), backoff());
  }

  async function open(): Promise<void> {
    halt();
    if (closed) return;
    const token = session.currentToken();
    if (!token) {
      status("signed-out");
      return;
    }
    const mine = new AbortController();
    connection = mine;
    connectedWith = token;
    status("connecting");
    const headers: Record<string, string> = { Accept: EVENT_STREAM, Authorization: `Bearer ${token}` };
    const resumed = lastEventId !== null;
    const alive = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        if (connection !== mine) return;
        halt();
        later();
      }, staleAfterMs);
    };
    if (lastEventId !== null) headers["Last-Event-ID"] = lastEventId;
    try {
      await fetchEventSource(url, {
        method: "GET",
        headers,
        signal: mine.signal,
        openWhenHidden: true,
        fetch: fetchImpl,
        onopen: async (response) => {
          const type = response.headers.get("Content-Type") ?? "";
          if (!response.ok || !type.startsWith(EVENT_STREAM)) throw new StreamRefused(response.status);
          failures = 0;
          alive();
          status("open");
          options.onOpen?.({ resumed });
        },
        onmessage: (message) => {
          alive(); // heartbeats too: each comment ends in a blank line, dispatched as a message
          if (message.event === REFETCH_EVENT) {
            // Replaying what was missed would not catch up: start from now, after a refetch.
            // (Events after it, on a stream that goes on, carry a new position.)
            lastEventId = null;
            options.onRefetch?.();
            return;
          }
          if (!message.event || !message.data) return; // heartbeats
          if (message.id) lastEventId = message.id;
          dispatch(message);
        },
        onclose: () => {
          throw new StreamEnded();
        },
        onerror: (error: unknown) => {
          throw error; // retries are decided below, with a fresh token and Last-Event-ID
        },
      });
      return; // resolved: stopped on purpose (aborted)
    } catch (error) {
      if (mine.signal.aborted || connection !== mine || closed) return;
      clearTimeout(watchdog);
      connection = null;
      connectedWith = null;
      await recover(error);
    }
  }

  function dispatch(message: EventSourceMessage): void {
    const value = json(message);
    if (message.event === NOTIFICATION_EVENT) {
      const notification = asNotification(value);
      if (notification && delivered.first(`n:${notification.id}`)) options.onNotification(notification);
    } else if (message.event === CHANGE_EVENT) {
      const change = parseLiveChange(value);
      if (change && delivered.first(`c:${change.event_id}`)) options.onChange?.(change);
    } else if (message.event === REVOKED_EVENT) {
      const projectId = (value as { project_id?: unknown } | null)?.project_id;
      if (typeof projectId === "string") options.onRevoked?.(projectId);
    }
    // Other events are a newer server's: ignored.
  }

  async function recover(error: unknown): Promise<void> {
    if (error instanceof StreamRefused && error.status === 401) {
      refreshing = true;
      let token: string | null;
      try {
        token = await session.refresh();
      } finally {
        refreshing = false;
      }
      if (closed) return;
      if (!token) {
        // The session is over; sign-in starts the stream again.
        lastEventId = null;
        status("signed-out");
        return;
      }
      // Straight back once; a 401 again right after a refresh waits like any failure.
      if (failures === 0) {
        failures = 1;
        void open();
      } else later();
      return;
    }
    // A Last-Event-ID the server refuses: start again from now.
    if (error instanceof StreamRefused && error.status === 422) lastEventId = null;
    later();
  }

  const unsubscribe = session.onTokenChange((token) => {
    if (closed || refreshing) return;
    if (token === null) {
      // Signed out: the next person to sign in starts from their own feed's present.
      halt();
      lastEventId = null;
      failures = 0;
      status("signed-out");
    } else if (token !== connectedWith) {
      // Signed in, or the token was renewed: reconnect with it, resuming where it was.
      failures = 0;
      void open();
    }
  });

  // Back online (a laptop back on its network): reconnect now rather than at the backoff's time.
  const online = () => {
    if (closed || retryTimer === undefined) return;
    failures = 0;
    void open();
  };
  globalThis.addEventListener?.("online", online);

  void open();

  return () => {
    closed = true;
    unsubscribe();
    globalThis.removeEventListener?.("online", online);
    halt();
    status("closed");
  };
}
