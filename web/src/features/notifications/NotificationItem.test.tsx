import { render, screen } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { describe, expect, it, vi } from "vitest";

import type { Notification } from "./api";
import { formatDue, NotificationItem } from "./NotificationItem";

const notice = (over: Partial<Notification>): Notification => ({
  id: "1-0",
  kind: "comment.added",
  message: "Ana Lima commented on “Ship it”",
  task_id: "7d0b7f0e-1111-4c4c-9c9c-000000000001",
  project_id: "7d0b7f0e-2222-4c4c-9c9c-000000000002",
  actor_id: null,
  created_at: "2026-11-26T10:00:00Z",
  read: false,
  due_at: null,
  resolved: false,
  ...over,
});

function show(notification: Notification) {
  render(
    <MemoryRouter>
      <ul>
        <NotificationItem notification={notification} onOpen={vi.fn()} />
      </ul>
    </MemoryRouter>,
  );
  return screen.getByRole("link");
}

describe("NotificationItem", () => {
  it("says a mention is one", () => {
    const link = show(notice({ kind: "mention", message: "Ana Lima mentioned you in “Ship it”: hi @Ben" }));
    expect(link).toHaveTextContent("Mention: Ana Lima mentioned you in “Ship it”: hi @Ben");
  });

  it("shows a due-soon notice's due time in the reader's locale and time zone", () => {
    const dueAt = "2026-12-05T14:00:00Z";
    const link = show(notice({ kind: "task.due_soon", message: "“Ship it” is due soon", due_at: dueAt }));
    const time = link.querySelector(`time[datetime="${dueAt}"]`);
    expect(time).toHaveTextContent(formatDue(dueAt) ?? "missing");
    expect(formatDue(dueAt)).toMatch(/2026/);
    expect(link).not.toHaveTextContent("Resolved");
  });

  it("marks a resolved due-soon notice", () => {
    const link = show(notice({ kind: "task.due_soon", due_at: "2026-12-05T14:00:00Z", resolved: true, read: true }));
    expect(link).toHaveTextContent("Resolved");
  });
});
