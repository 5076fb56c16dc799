// The header's bell: the unread count at a glance, and a panel with the latest notifications.
import { useEffect, useId, useRef, useState, type FocusEvent, type KeyboardEvent } from "react";
import { Link, useLocation } from "react-router";

import { Button } from "../../components/Button";
import { ErrorState, Spinner } from "../../components/States";
import { useMarkRead, useNotifications, useUnreadCount, type Notification } from "./api";
import { NotificationItem } from "./NotificationItem";

const LATEST = 10;

function badgeText(unread: number): string {
  return unread > 99 ? "99+" : String(unread);
}

export function NotificationBell() {
  const [open, setOpen] = useState(false);
  const count = useUnreadCount();
  const unread = count.data?.unread ?? 0;
  const wrapper = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const panelId = useId();
  const headingId = useId();
  const location = useLocation();

  // Going somewhere else (a notification's link, the back button) closes the panel.
  useEffect(() => setOpen(false), [location.pathname, location.search]);

  useEffect(() => {
    if (!open) return;
    panel.current?.focus();
    function outside(event: PointerEvent) {
      if (!wrapper.current?.contains(event.target as Node)) setOpen(false);
    }
    // Escape also when focus has fallen to the page (its element went away).
    function escape(event: globalThis.KeyboardEvent) {
      if (event.key === "Escape" && !event.defaultPrevented) {
        setOpen(false);
        button.current?.focus();
      }
    }
    document.addEventListener("pointerdown", outside);
    document.addEventListener("keydown", escape);
    return () => {
      document.removeEventListener("pointerdown", outside);
      document.removeEventListener("keydown", escape);
    };
  }, [open]);

  function onKeyDown(event: KeyboardEvent) {
    if (event.key === "Escape" && open) {
      event.preventDefault();
      setOpen(false);
      button.current?.focus();
    }
  }

  function onBlur(event: FocusEvent) {
    // Tabbing out of the panel closes it; focus stays where the user put it.
    const next = event.relatedTarget as Node | null;
    if (open && next && !wrapper.current?.contains(next)) setOpen(false);
  }

  return (
    <div ref={wrapper} className="relative" onKeyDown={onKeyDown} onBlur={onBlur}>
      <button
        ref={button}
        type="button"
        className="relative inline-flex items-center justify-center rounded-md px-2.5 py-2 text-ink-soft transition-colors hover:bg-muted hover:text-ink focus-ring aria-expanded:bg-muted aria-expanded:text-ink"
        aria-label={unread > 0 ? `Notifications, ${unread} unread` : "Notifications"}
        aria-expanded={open}
        aria-haspopup="dialog"
        aria-controls={open ? panelId : undefined}
        onClick={() => setOpen((value) => !value)}
      >
        <svg viewBox="0 0 20 20" className="size-5" fill="currentColor" aria-hidden="true">
          <path d="M10 2a6 6 0 0 0-6 6v2.6l-1.35 2.7A1 1 0 0 0 3.54 15h12.92a1 1 0 0 0 .9-1.45L16 10.6V8a6 6 0 0 0-6-6Zm0 16a2.5 2.5 0 0 1-2.45-2h4.9A2.5 2.5 0 0 1 10 18Z" />
        </svg>
        {unread > 0 ? (
          <span
            aria-hidden="true"
            data-testid="unread-badge"
            className="absolute -right-0.5 -top-0.5 grid h-5 min-w-5 place-items-center rounded-full bg-red-600 px-1 text-[11px] font-semibold leading-none text-white tabular-nums ring-2 ring-surface"
          >
            {badgeText(unread)}
          </span>
        ) : null}
      </button>
      {open ? (
        <div
          ref={panel}
          id={panelId}
          role="dialog"
          aria-labelledby={headingId}
          tabIndex={-1}
          className="fixed inset-x-2 top-16 z-50 flex max-h-[calc(100dvh-5rem)] flex-col rounded-xl border border-line bg-surface shadow-xl outline-none sm:absolute sm:inset-x-auto sm:right-0 sm:top-full sm:mt-2 sm:w-96"
        >
          <Panel headingId={headingId} unread={unread} close={() => setOpen(false)} />
        </div>
      ) : null}
    </div>
  );
}

function Panel({ headingId, unread, close }: { headingId: string; unread: number; close: () => void }) {
  const list = useNotifications(false);
  const markRead = useMarkRead();
  const latest = (list.data?.pages.flatMap((page) => page.items) ?? []).slice(0, LATEST);

  function opened(notification: Notification) {
    if (!notification.read) markRead.mutate({ ids: [notification.id] });
    close();
  }

  return (
    <>
      <div className="flex items-center justify-between gap-2 border-b border-line px-4 py-3">
        <h2 id={headingId} className="text-sm font-semibold">
          Notifications
          {unread > 0 ? <span className="ml-2 font-normal text-ink-soft">{unread} unread</span> : null}
        </h2>
        <Button
          variant="ghost"
          className="-mr-2 px-2 py-1 text-xs text-accent-600 hover:text-accent-700 dark:text-accent-100 aria-disabled:cursor-default aria-disabled:opacity-50 aria-disabled:hover:bg-transparent"
          // aria-disabled, not disabled: the button keeps focus after it has done its work.
          aria-disabled={unread === 0 || markRead.isPending}
          onClick={() => {
            if (unread > 0 && !markRead.isPending) markRead.mutate({ all: true });
          }}
        >
          Mark all as read
        </Button>
      </div>
      <div className="min-h-0 flex-1 overflow-y-auto p-2">
        {list.isPending ? (
          <Spinner label="Loading notifications" />
        ) : list.isError ? (
          <div className="p-2">
            <ErrorState error={list.error} onRetry={() => void list.refetch()} />
          </div>
        ) : latest.length === 0 ? (
          <div className="px-4 py-10 text-center">
            <p className="text-sm font-medium">No notifications yet</p>
            <p className="mt-1 text-xs text-ink-soft">
              When someone assigns you a task or comments on yours, it shows up here.
            </p>
          </div>
        ) : (
          <ul aria-label="Latest notifications" className="space-y-1">
            {latest.map((notification) => (
              <NotificationItem key={notification.id} notification={notification} onOpen={opened} compact />
            ))}
          </ul>
        )}
      </div>
      <div className="border-t border-line p-2">
        <Link
          to="/notifications"
          onClick={close}
          className="block rounded-md px-3 py-2 text-center text-sm font-medium text-accent-600 hover:bg-muted dark:text-accent-100"
        >
          See all notifications
        </Link>
      </div>
    </>
  );
}
