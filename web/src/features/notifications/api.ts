// The notification feed's server state: pages of the list, the unread count, marking read,
// and the cache edits a live notification makes.
import {
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
  type InfiniteData,
  type QueryClient,
} from "@tanstack/react-query";
import { toast } from "sonner";

import { api, type Schemas } from "../../api/client";
import { describeError, unwrap } from "../../api/problem";
import { keys } from "../../api/queries";
import type { Notification } from "./stream";

export type { Notification } from "./stream";
export type NotificationPage = Schemas["NotificationsPublic"];
type Count = Schemas["UnreadCount"];
type Pages = InfiniteData<NotificationPage, string | undefined>;

export const PAGE_SIZE = 20;

export const notificationKeys = {
  all: keys.notifications,
  lists: [...keys.notifications, "list"] as const,
  list: (unreadOnly: boolean) => [...keys.notifications, "list", { unreadOnly }] as const,
  unread: [...keys.notifications, "unread-count"] as const,
};

/** Where a notice takes you: its task, or its project once the task is gone. */
export function notificationLink(notification: Notification): string {
  if (notification.task_id && notification.kind !== "task.deleted") return `/tasks/${notification.task_id}`;
  if (notification.project_id) return `/projects/${notification.project_id}`;
  return "/settings/notifications";
}

export function useNotifications(unreadOnly: boolean, enabled = true) {
  return useInfiniteQuery({
    queryKey: notificationKeys.list(unreadOnly),
    enabled,
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }): Promise<NotificationPage> =>
      unwrap(
        await api.GET("/api/notifications", {
          params: { query: { unread_only: unreadOnly, limit: PAGE_SIZE, cursor: pageParam } },
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}

export function useUnreadCount() {
  return useQuery({
    queryKey: notificationKeys.unread,
    queryFn: async (): Promise<Count> => unwrap(await api.GET("/api/notifications/unread-count")),
  });
}

function mapLists(client: QueryClient, edit: (item: Notification) => Notification): void {
  client.setQueriesData<Pages>({ queryKey: notificationKeys.lists }, (data) =>
    data ? { ...data, pages: data.pages.map((page) => ({ ...page, items: page.items.map(edit) })) } : data,
  );
}

/** Whether a notification is in any cached list already, and whether it is unread there. */
function cached(client: QueryClient, id: string): Notification | undefined {
  for (const [, data] of client.getQueriesData<Pages>({ queryKey: notificationKeys.lists })) {
    for (const page of data?.pages ?? []) {
      const found = page.items.find((item) => item.id === id);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Put a live notification into the caches: first in each list that lacks it, and one more in
 * the unread count. Answers false when it was there already (a replay), changing nothing.
 */
export function receive(client: QueryClient, notification: Notification): boolean {
  if (cached(client, notification.id)) return false;
  for (const [key, data] of client.getQueriesData<Pages>({ queryKey: notificationKeys.lists })) {
    if (!data?.pages.length) continue;
    const unreadOnly = (key[2] as { unreadOnly?: boolean } | undefined)?.unreadOnly ?? false;
    if (unreadOnly && notification.read) continue;
    const [first, ...rest] = data.pages;
    if (!first) continue;
    client.setQueryData<Pages>(key, {
      ...data,
      pages: [{ ...first, items: [notification, ...first.items] }, ...rest],
    });
  }
  if (!notification.read) {
    client.setQueryData<Count>(notificationKeys.unread, (count) => (count ? { unread: count.unread + 1 } : count));
  }
  return true;
}

type MarkTarget = { ids: string[] } | { all: true };

/** Mark some notifications read, or all: shown at once, put right if the server refuses. */
export function useMarkRead() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (target: MarkTarget): Promise<Count> =>
      unwrap(
        await api.POST("/api/notifications/read", {
          body: "ids" in target ? { ids: target.ids, all: false } : { ids: null, all: true },
        }),
      ),
    onMutate: async (target) => {
      await client.cancelQueries({ queryKey: notificationKeys.unread });
      const ids = "ids" in target ? new Set(target.ids) : null;
      const newlyRead = ids ? [...ids].filter((id) => cached(client, id)?.read === false).length : 0;
      mapLists(client, (item) => (ids === null || ids.has(item.id) ? { ...item, read: true } : item));
      client.setQueryData<Count>(notificationKeys.unread, (count) =>
        count ? { unread: ids === null ? 0 : Math.max(0, count.unread - newlyRead) } : count,
      );
    },
    onSuccess: (count) => client.setQueryData(notificationKeys.unread, count),
    onError: (error) => {
      toast.error(describeError(error));
      void client.invalidateQueries({ queryKey: notificationKeys.lists });
      void client.invalidateQueries({ queryKey: notificationKeys.unread });
    },
  });
}
