// Every notification, newest first, a page at a time; all of them or only the unread ones.
import { Link, useSearchParams } from "react-router";

import { Button } from "../../components/Button";
import { EmptyState, ErrorState, Spinner } from "../../components/States";
import { useMarkRead, useNotifications, useUnreadCount, type Notification } from "./api";
import { NotificationItem } from "./NotificationItem";

export function NotificationsPage() {
  const [params, setParams] = useSearchParams();
  const unreadOnly = params.get("filter") === "unread";
  const list = useNotifications(unreadOnly);
  const count = useUnreadCount();
  const markRead = useMarkRead();
  const unread = count.data?.unread ?? 0;
  const items = list.data?.pages.flatMap((page) => page.items) ?? [];

  function show(onlyUnread: boolean) {
    setParams(onlyUnread ? { filter: "unread" } : {}, { replace: true });
  }

  function opened(notification: Notification) {
    if (!notification.read) markRead.mutate({ ids: [notification.id] });
  }

  const filterButton = (label: string, value: boolean) => (
    <button
      type="button"
      aria-pressed={unreadOnly === value}
      onClick={() => show(value)}
      className="rounded-md px-3 py-1.5 text-sm font-medium text-ink-soft transition-colors focus-ring hover:text-ink aria-pressed:bg-surface aria-pressed:text-ink aria-pressed:shadow-sm"
    >
      {label}
    </button>
  );

  return (
    <div className="mx-auto w-full max-w-3xl px-4 py-6 sm:px-6 sm:py-8">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Notifications</h1>
          <p className="mt-1 text-sm text-ink-soft">
            {unread > 0 ? `${unread} unread` : "You are all caught up."}{" "}
            <Link
              to="/settings/notifications"
              className="text-accent-600 underline-offset-2 hover:underline dark:text-accent-100"
            >
              Notification settings
            </Link>
          </p>
        </div>
        <div className="flex flex-wrap items-center gap-2">
          <div role="group" aria-label="Show" className="inline-flex rounded-lg bg-muted p-1">
            {filterButton("All", false)}
            {filterButton("Unread only", true)}
          </div>
          <Button
            variant="secondary"
            className="aria-disabled:cursor-default aria-disabled:text-ink-soft aria-disabled:hover:bg-surface"
            // aria-disabled, not disabled: the button keeps focus after it has done its work.
            aria-disabled={unread === 0 || markRead.isPending}
            onClick={() => {
              if (unread > 0 && !markRead.isPending) markRead.mutate({ all: true });
            }}
          >
            Mark all as read
          </Button>
        </div>
      </div>

      <section aria-label={unreadOnly ? "Unread notifications" : "All notifications"} className="mt-6">
        {list.isPending ? (
          <Spinner label="Loading notifications" />
        ) : list.isError && items.length === 0 ? (
          <ErrorState error={list.error} onRetry={() => void list.refetch()} />
        ) : items.length === 0 ? (
          <EmptyState title={unreadOnly ? "No unread notifications" : "No notifications yet"}>
            {unreadOnly ? (
              <p>
                Nothing new since you last looked.{" "}
                <button
                  type="button"
                  onClick={() => show(false)}
                  className="font-medium text-accent-600 underline-offset-2 hover:underline focus-ring dark:text-accent-100"
                >
                  Show all
                </button>
              </p>
            ) : (
              <p>
                You will be told here when someone assigns you a task, comments on one of yours, or adds you to a
                project.
              </p>
            )}
          </EmptyState>
        ) : (
          <>
            <ul className="space-y-1 rounded-xl border border-line bg-surface p-1.5 shadow-sm sm:p-2">
              {items.map((notification) => (
                <NotificationItem
                  key={notification.id}
                  notification={notification}
                  onOpen={opened}
                  actions={
                    notification.read ? null : (
                      <button
                        type="button"
                        onClick={() => markRead.mutate({ ids: [notification.id] })}
                        aria-label={`Mark as read: ${notification.message}`}
                        title="Mark as read"
                        className="mt-2 mr-1.5 grid size-8 shrink-0 place-items-center rounded-md text-ink-soft hover:bg-surface hover:text-ink focus-ring sm:mt-2.5"
                      >
                        <svg viewBox="0 0 20 20" className="size-4" fill="currentColor" aria-hidden="true">
                          <path
                            fillRule="evenodd"
                            d="M16.7 5.3a1 1 0 0 1 0 1.4l-8 8a1 1 0 0 1-1.4 0l-4-4a1 1 0 1 1 1.4-1.4L8 12.58l7.3-7.3a1 1 0 0 1 1.4 0Z"
                          />
                        </svg>
                      </button>
                    )
                  }
                />
              ))}
            </ul>
            {list.isError ? (
              <div className="mt-4">
                <ErrorState error={list.error} onRetry={() => void list.fetchNextPage()} />
              </div>
            ) : null}
            <div className="mt-4 flex justify-center">
              {list.hasNextPage ? (
                <Button
                  variant="secondary"
                  disabled={list.isFetchingNextPage}
                  onClick={() => void list.fetchNextPage()}
                >
                  {list.isFetchingNextPage ? "Loading…" : "Load more"}
                </Button>
              ) : (
                <p className="text-xs text-ink-soft">That is everything.</p>
              )}
            </div>
          </>
        )}
      </section>
    </div>
  );
}
