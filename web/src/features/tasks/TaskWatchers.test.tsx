import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import { TaskWatchers } from "./TaskWatchers";

vi.mock("../../lib/auth", () => ({
  useUser: () => ({ id: "u1", email: "ada@example.com", display_name: "Ada Lovelace", created_at: "", updated_at: "" }),
}));
vi.mock("sonner", () => ({ toast: { error: vi.fn(), success: vi.fn() } }));

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

afterEach(() => vi.unstubAllGlobals());

describe("TaskWatchers", () => {
  it("lists who watches and why, and watches and unwatches with one toggle", async () => {
    const user = userEvent.setup({ delay: null });
    const bob = { user_id: "u2", display_name: "Bob Builder", reason: "creator" };
    let state = { watching: false, items: [bob] };
    const requests: string[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (request: Request) => {
        const path = new URL(request.url).pathname;
        requests.push(`${request.method} ${path}`);
        if (request.method === "PUT")
          state = { watching: true, items: [bob, { user_id: "u1", display_name: "Ada Lovelace", reason: "watch" }] };
        if (request.method === "DELETE") state = { watching: false, items: [bob] };
        return json(200, state);
      }),
    );
    render(
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <TaskWatchers taskId="t1" version={3} />
      </QueryClientProvider>,
    );

    const list = await screen.findByRole("list", { name: "Watchers" });
    expect(within(list).getByRole("listitem")).toHaveTextContent("Bob Builder· created it");
    const toggle = screen.getByRole("button", { name: "Watch" });
    await waitFor(() => expect(toggle).toBeEnabled());
    expect(toggle).toHaveAttribute("aria-pressed", "false");

    await user.click(toggle);
    await waitFor(() => expect(toggle).toHaveAttribute("aria-pressed", "true"));
    expect(await within(list).findByText("You")).toBeInTheDocument();
    expect(within(list).getByText("· watching")).toBeInTheDocument();

    await user.click(toggle);
    await waitFor(() => expect(toggle).toHaveAttribute("aria-pressed", "false"));
    await waitFor(() => expect(within(list).queryByText("You")).not.toBeInTheDocument());
    expect(requests).toContain("PUT /api/tasks/t1/watchers/me");
    expect(requests).toContain("DELETE /api/tasks/t1/watchers/me");
  });
});
