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

  it("edits one's own comment in place, renders its Markdown and marks it edited", async () => {
    const user = userEvent.setup({ delay: null });
    let items = [
      comment("c1", "u1", "Ada Lovelace", "First draft"),
      comment("c2", "u2", "Bob Builder", "Hi @Ada Lovelace"),
    ];
    const patches: unknown[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (request: Request) => {
        if (request.method === "PATCH") {
          const { body } = (await request.json()) as { body: string };
          patches.push(body);
          const edited = { ...items[0]!, body, edited_at: "2026-11-26T12:00:00Z" };
          items = [edited, ...items.slice(1)];
          return json(200, edited);
        }
        return json(200, { items, next_cursor: null });
      }),
    );
    const members = [
      { user_id: "u1", display_name: "Ada Lovelace", email: "ada@example.com" },
      { user_id: "u2", display_name: "Bob Builder", email: "bob@example.com" },
    ];
    render(
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <TaskComments taskId="t1" members={members} />
      </QueryClientProvider>,
    );

    const list = await screen.findByRole("list");
    const [mine, bob] = within(list).getAllByRole("listitem");
    // Someone else's comment has no Edit button; a member's @name is highlighted.
    expect(within(bob!).queryByRole("button", { name: /^Edit/ })).not.toBeInTheDocument();
    await waitFor(() => expect(bob!.querySelector(".mention")).toHaveTextContent("@Ada Lovelace"));

    await user.click(within(mine!).getByRole("button", { name: /^Edit comment/ }));
    const editor = within(mine!).getByLabelText("Edit comment");
    expect(editor).toHaveValue("First draft");
    await user.clear(editor);
    await user.type(editor, "See [[docs](https://example.com/docs)");
    await user.click(within(mine!).getByRole("button", { name: "Save" }));

    const link = await within(mine!).findByRole("link", { name: "docs" });
    expect(link).toHaveAttribute("href", "https://example.com/docs");
    expect(link).toHaveAttribute("rel", "noopener noreferrer nofollow");
    expect(link).toHaveAttribute("target", "_blank");
    expect(patches).toEqual(["See [docs](https://example.com/docs)"]);
    const marker = within(mine!).getByText("(edited)");
    expect(marker).toHaveAttribute("title", expect.stringMatching(/^Edited /));
    expect(within(mine!).queryByLabelText("Edit comment")).not.toBeInTheDocument();
  });

  it("offers the members after @ and inserts the chosen name with the keyboard", async () => {
    const user = userEvent.setup({ delay: null });
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => json(200, { items: [], next_cursor: null })),
    );
    const members = [
      { user_id: "u1", display_name: "Ada Lovelace", email: "ada@example.com" },
      { user_id: "u2", display_name: "Ben Costa", email: "ben@example.com" },
      { user_id: "u3", display_name: "Bea Brown", email: "bea@example.com" },
    ];
    render(
      <QueryClientProvider client={new QueryClient()}>
        <TaskComments taskId="t1" members={members} />
      </QueryClientProvider>,
    );
    await screen.findByText("No comments yet.");
    const box = screen.getByRole("combobox", { name: "Add a comment" });
    expect(box).toHaveAttribute("aria-expanded", "false");

    await user.type(box, "Thanks @b");
    const listbox = screen.getByRole("listbox", { name: "Members to mention" });
    expect(box).toHaveAttribute("aria-expanded", "true");
    const options = within(listbox).getAllByRole("option");
    expect(options.map((option) => option.textContent)).toEqual([
      "Bea Brownbea@example.com",
      "Ben Costaben@example.com",
    ]);
    expect(options[0]).toHaveAttribute("aria-selected", "true");
    expect(box).toHaveAttribute("aria-activedescendant", options[0]!.id);

    await user.keyboard("{ArrowDown}");
    expect(within(listbox).getAllByRole("option")[1]).toHaveAttribute("aria-selected", "true");
    await user.keyboard("{Enter}");
    expect(box).toHaveValue("Thanks @Ben Costa ");
    expect(screen.queryByRole("listbox")).not.toBeInTheDocument();

    await user.type(box, "and @a");
    expect(screen.getByRole("listbox")).toBeInTheDocument();
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("listbox")).not.toBeInTheDocument();
    expect(box).toHaveValue("Thanks @Ben Costa and @a");
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

  it("keeps a comment past its limit whole, says both numbers and does not send it", async () => {
    const fetchMock = vi.fn<(request: Request) => Promise<Response>>(async () =>
      json(200, { items: [], next_cursor: null }),
    );
    vi.stubGlobal("fetch", fetchMock);
    render(
      <QueryClientProvider client={new QueryClient()}>
        <TaskComments taskId="t1" />
      </QueryClientProvider>,
    );
    await screen.findByText("No comments yet.");
    const box = screen.getByRole("combobox", { name: /comment/i });
    await userEvent.click(box);
    await userEvent.paste("y".repeat(10_001));
    expect(box).toHaveValue("y".repeat(10_001));
    expect(screen.getByText("The comment is 10,001 characters; the limit is 10,000.")).toBeVisible();
    expect(screen.getByRole("button", { name: /^Comment$/ })).toBeDisabled();
    expect(fetchMock.mock.calls.every(([request]) => request.method !== "POST")).toBe(true);
  });

  it("words ages the way people say them", () => {
    const now = Date.parse("2026-11-26T12:00:00Z");
    expect(timeAgo("2026-11-26T11:59:40Z", now)).toBe("just now");
    expect(timeAgo("2026-11-26T11:55:00Z", now)).toBe("5 minutes ago");
    expect(timeAgo("2026-11-25T11:00:00Z", now)).toBe("yesterday");
  });
});
