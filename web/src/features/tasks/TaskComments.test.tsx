import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import { TaskComments, timeAgo } from "./TaskComments";

vi.mock("../../lib/auth", () => ({
  useUser: () => ({ id: "u1", email: "ada@example.com", display_name: "Ada Lovelace", created_at: "", updated_at: "" }),
}));
vi.mock("sonner", () => ({ toast: { error: vi.fn(), success: vi.fn() } }));

vi.setConfig({ testTimeout: 30_000 });

const json = (status: number, body: unknown) =>
  new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json" },
  });

const comment = (id: string, author: string, authorName: string, body: string) => ({
  id,
  task_id: "t1",
  author_id: author,
  author_name: authorName,
  body,
  created_at: new Date(Date.now() - 3 * 60_000).toISOString(),
  updated_at: new Date().toISOString(),
});

afterEach(() => vi.unstubAllGlobals());

describe("TaskComments", () => {
  it("lists comments with their author and age, adds one, and deletes only one's own", async () => {
    const user = userEvent.setup({ delay: null });
    let items = [
      comment("c1", "u2", "Bob Builder", "Looks good to me."),
      comment("c2", "u1", "Ada Lovelace", "Thanks!"),
    ];
    const requests: string[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (request: Request) => {
        const path = new URL(request.url).pathname;
        requests.push(`${request.method} ${path}`);
        if (request.method === "POST") {
          const { body } = (await request.json()) as { body: string };
          const created = comment("c3", "u1", "Ada Lovelace", body);
          items = [...items, created];
          return json(201, created);
        }
        if (request.method === "DELETE") {
          items = items.filter((c) => !path.endsWith(c.id));
          return json(204, null);
        }
        return json(200, { items, next_cursor: null });
      }),
    );
    render(
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <TaskComments taskId="t1" />
      </QueryClientProvider>,
    );

    const list = await screen.findByRole("list");
    const [bob, mine] = within(list).getAllByRole("listitem");
    expect(bob).toHaveTextContent("Bob Builder3 minutes agoLooks good to me.");
    expect(within(bob!).queryByRole("button")).not.toBeInTheDocument();
    expect(within(mine!).getByRole("button", { name: /^Delete comment/ })).toBeInTheDocument();

    expect(screen.getByRole("button", { name: "Comment" })).toBeDisabled();
    await user.type(screen.getByLabelText("Add a comment"), "Shipped.");
    await user.click(screen.getByRole("button", { name: "Comment" }));
    expect(await within(list).findByText("Shipped.")).toBeInTheDocument();
    expect(screen.getByLabelText("Add a comment")).toHaveValue("");

    await user.click(within(mine!).getByRole("button", { name: /^Delete comment/ }));
    await waitFor(() => expect(within(list).queryByText("Thanks!")).not.toBeInTheDocument());
    expect(requests).toContain("DELETE /api/tasks/t1/comments/c2");
  });

  it("says when there are no comments yet", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => json(200, { items: [], next_cursor: null })),
    );
    render(
      <QueryClientProvider client={new QueryClient()}>
        <TaskComments taskId="t1" />
      </QueryClientProvider>,
    );
    expect(await screen.findByText("No comments yet.")).toBeInTheDocument();
  });

  it("words ages the way people say them", () => {
    const now = Date.parse("2026-11-26T12:00:00Z");
    expect(timeAgo("2026-11-26T11:59:40Z", now)).toBe("just now");
    expect(timeAgo("2026-11-26T11:55:00Z", now)).toBe("5 minutes ago");
    expect(timeAgo("2026-11-25T11:00:00Z", now)).toBe("yesterday");
  });
});
