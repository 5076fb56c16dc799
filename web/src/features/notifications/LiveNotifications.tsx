// Opens the live stream once for the signed-in app: each new notification goes into the cached
// lists and unread count (the bell updates without a reload) and shows a toast; the changes to
// the person's projects go to the handlers the app passes in (one stream per tab carries both).
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { useNavigate } from "react-router";
import { toast } from "sonner";

import type { LiveChange } from "../../api/liveChanges";
import { keys } from "../../api/queries";
import { notificationKeys, notificationLink, receive, useMarkRead } from "./api";
import { connectNotifications, type Notification } from "./stream";

export interface LiveHandlers {
  /** A change to one of the person's projects (once each). */
  onChange?: (change: LiveChange) => void;
  /** The person may no longer see this project. */
  onRevoked?: (projectId: string) => void;
  /** What is shown may be stale (the stream fell behind, or started afresh): fetch it again. */
  onRefetch?: () => void;
}

// After a burst of live notifications, the count is asked for again: the server's is exact.
const RECOUNT_AFTER_MS = 2000;
// More than this many toasts in one window (a reconnect's backlog) become one summary toast.
const TOASTS_PER_WINDOW = 3;
const TOAST_WINDOW_MS = 4000;

export function LiveNotifications(handlers: LiveHandlers = {}) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const markRead = useMarkRead();
  // The latest of each, for callbacks made once per connection.
  const actions = useRef({ navigate, markRead: markRead.mutate, handlers });
  useEffect(() => {
    actions.current = { navigate, markRead: markRead.mutate, handlers };
  });

  useEffect(() => {
    let opened = false;
    let refetched = false;
    let recount: ReturnType<typeof setTimeout> | undefined;
    let windowStart = 0;
    let inWindow = 0;

    function view(notification: Notification) {
      if (!notification.read) actions.current.markRead({ ids: [notification.id] });
      void actions.current.navigate(notificationLink(notification));
    }

    function announce(notification: Notification) {
      const now = Date.now();
      if (now - windowStart > TOAST_WINDOW_MS) {
        windowStart = now;
        inWindow = 0;
      }
      inWindow += 1;
      if (inWindow <= TOASTS_PER_WINDOW) {
        toast(notification.message, {
          id: `notification-${notification.id}`,
          action: { label: "View", onClick: () => view(notification) },
        });
        return;
      }
      toast(`${inWindow} new notifications`, {
        id: `notifications-${windowStart}`,
        action: { label: "View", onClick: () => void actions.current.navigate("/notifications") },
      });
    }

    const disconnect = connectNotifications({
      onOpen: ({ resumed }) => {
        // A fresh start may have missed what arrived since the page loaded its lists.
        if (!resumed) {
          void client.invalidateQueries({ queryKey: notificationKeys.lists });
          void client.invalidateQueries({ queryKey: notificationKeys.unread });
          // Not at the first opening (the page is loading everything anyway), nor right after
          // a refetch (asked for already).
          if (opened && !refetched) actions.current.handlers.onRefetch?.();
        }
        opened = true;
        refetched = false;
      },
      onRefetch: () => {
        // The stream fell behind: the lists and the count are asked for again, not patched.
        refetched = true;
        void client.invalidateQueries({ queryKey: notificationKeys.lists });
        void client.invalidateQueries({ queryKey: notificationKeys.unread });
        actions.current.handlers.onRefetch?.();
      },
      onChange: (change) => actions.current.handlers.onChange?.(change),
      onRevoked: (projectId) => actions.current.handlers.onRevoked?.(projectId),
      onNotification: (notification) => {
        if (!receive(client, notification)) return;
        // Added to a project: the sidebar lists it at once.
        if (notification.kind === "project.member_added") void client.invalidateQueries({ queryKey: keys.projects });
        announce(notification);
        clearTimeout(recount);
        recount = setTimeout(
          () => void client.invalidateQueries({ queryKey: notificationKeys.unread }),
          RECOUNT_AFTER_MS,
        );
      },
    });
    return () => {
      clearTimeout(recount);
      disconnect();
    };
  }, [client]);

  return null;
}
