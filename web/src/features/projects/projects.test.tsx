import { QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { ReactNode } from "react";
import { Outlet, RouterProvider, createMemoryRouter, useParams } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";

import type { Member, Project } from "../../api/queries";
import { SessionProvider, useSession } from "../../lib/auth";
import { createQueryClient } from "../../lib/queryClient";
import { forget } from "../../lib/session";
import { ProjectSettingsPage } from "./ProjectSettingsPage";
import { ProjectSidebar } from "./ProjectSidebar";

const ME = {
  id: "u-me",
  email: "me@example.com",
  display_name: "Mia Me",
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};

function project(overrides: Partial<Project>): Project {
  return {
    id: "p-1",
    name: "Project",
    description: "",
    owner_id: ME.id,
    is_inbox: false,
    notify_new_tasks: false,
    role: "owner",
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    ...overrides,
  };
}

function member(overrides: Partial<Member>): Member {
  return {
    user_id: ME.id,
    email: ME.email,
    display_name: ME.display_name,
    role: "owner",
    created_at: "2026-01-01T00:00:00Z",
    ...overrides,
  };
}

const json = (status: number, body: unknown) =>
  new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { "Content-Type": status >= 400 ? "application/problem+json" : "application/json" },
  });

interface Call {
  method: string;
  path: string;
  body: unknown;
}

type Handler = (call: Call) => Response | undefined;

/** A stand-in for the API: the session, the given projects and members, plus per-test handlers. */
function fakeApi(projects: Project[], members: Record<string, Member[]>, handler: Handler = () => undefined) {
  const calls: Call[] = [];
  const subscriptions = new Map<string, boolean>();
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const request =
        input instanceof Request ? input : new Request(new URL(String(input), window.location.origin), init);
      const url = new URL(request.url);
      const text = request.method === "GET" || request.method === "DELETE" ? "" : await request.text();
      const call = {
        method: request.method,
        path: url.pathname,
        body: text ? (JSON.parse(text) as unknown) : undefined,
      };
      calls.push(call);
      const answer = handler(call);
      if (answer) return answer;
      if (call.path === "/api/auth/refresh")
        return json(200, { access_token: "t", token_type: "Bearer", expires_in: 900 });
      if (call.path === "/api/auth/me") return json(200, ME);
      if (call.path === "/api/projects" && call.method === "GET")
        return json(200, { items: projects, next_cursor: null });
      const one = /^\/api\/projects\/([^/]+)$/.exec(call.path);
      const found = projects.find((p) => p.id === one?.[1]);
      if (found && call.method === "GET") return json(200, found);
      const list = /^\/api\/projects\/([^/]+)\/members$/.exec(call.path);
      if (list?.[1] && call.method === "GET") return json(200, { items: members[list[1]] ?? [], next_cursor: null });
      const subscription = /^\/api\/projects\/([^/]+)\/subscription$/.exec(call.path);
      if (subscription?.[1]) {
        if (call.method === "PUT") subscriptions.set(subscription[1], (call.body as { new_tasks: boolean }).new_tasks);
        return json(200, { new_tasks: subscriptions.get(subscription[1]) ?? false });
      }
      return json(404, { type: "about:blank", title: "Not found", status: 404, detail: "no such thing" });
    }),
  );
  return calls;
}

function SignedIn({ children }: { children: ReactNode }) {
  const { status } = useSession();
  return status === "signed-in" ? children : <p>Signing in</p>;
}

function TasksStub() {
  const { projectId } = useParams();
  return <p>Tasks of {projectId}</p>;
}

function renderApp(path: string) {
  const router = createMemoryRouter(
    [
      {
        element: (
          <>
            <nav aria-label="Projects">
              <ProjectSidebar />
            </nav>
            <main>
              <Outlet />
            </main>
          </>
        ),
        children: [
          { path: "/", element: <p>Home</p> },
          { path: "/projects/:projectId", element: <TasksStub /> },
          { path: "/projects/:projectId/settings", element: <ProjectSettingsPage /> },
        ],
      },
    ],
    { initialEntries: [path] },
  );
  const client = createQueryClient();
  client.setDefaultOptions({ queries: { retry: false, staleTime: Infinity }, mutations: { retry: false } });
  render(
    <QueryClientProvider client={client}>
      <SessionProvider>
        <SignedIn>
          <RouterProvider router={router} />
        </SignedIn>
      </SessionProvider>
    </QueryClientProvider>,
  );
  return router;
}

afterEach(() => {
  forget();
  vi.unstubAllGlobals();
});

const INBOX = project({ id: "p-inbox", name: "Inbox", is_inbox: true });

describe("the projects sidebar", () => {
  it("lists the Inbox first, then projects by name, with a hint on the ones shared with you", async () => {
    fakeApi(
      [
        INBOX,
        project({ id: "p-z", name: "Zebra launch" }),
        project({ id: "p-a", name: "apollo", role: "viewer", owner_id: "u-other" }),
      ],
      {},
    );
    renderApp("/projects/p-z");
    const nav = await screen.findByRole("navigation", { name: "Projects" });
    const list = await within(nav).findByRole("list", { name: "Projects" });
    const links = within(list).getAllByRole("link");
    expect(links).toHaveLength(3);
    expect(within(nav).getByRole("link", { name: "My tasks" })).toHaveAttribute("href", "/my");
    ["Inbox", "apollo", "Zebra launch"].forEach((name, index) => expect(links[index]).toHaveAccessibleName(name));
    expect(within(nav).getByRole("link", { name: "apollo" })).toHaveAccessibleDescription("Shared with you as viewer");
    expect(within(nav).getByRole("link", { name: "Zebra launch" })).toHaveAttribute("aria-current", "page");
  });

  it("creates a project from the dialog, shows it in the sidebar and opens it", async () => {
    const user = userEvent.setup();
    const created = project({ id: "p-new", name: "Garden plan", description: "Beds and seeds" });
    const projects = [INBOX];
    const calls = fakeApi(projects, {}, (call) => {
      if (call.method !== "POST" || call.path !== "/api/projects") return undefined;
      projects.push(created);
      return json(201, created);
    });
    const router = renderApp("/projects/p-inbox");

    await user.click(await screen.findByRole("button", { name: "New project" }));
    const dialog = screen.getByRole("dialog", { name: "New project" });
    await user.type(within(dialog).getByLabelText("Project name"), "  Garden plan ");
    await user.type(within(dialog).getByLabelText("Description"), "Beds and seeds");
    await user.click(within(dialog).getByRole("button", { name: "Create project" }));

    const link = await screen.findByRole("link", { name: "Garden plan" });
    expect(
      calls.filter((call) => call.method === "POST" && call.path === "/api/projects").map((call) => call.body),
    ).toEqual([{ name: "Garden plan", description: "Beds and seeds" }]);
    await waitFor(() => expect(router.state.location.pathname).toBe("/projects/p-new"));
    await waitFor(() => expect(link).toHaveAttribute("aria-current", "page"));
    expect(screen.queryByRole("dialog", { name: "New project" })).not.toBeInTheDocument();
  });

  it("keeps the dialog open with the server's words when creating is refused", async () => {
    const user = userEvent.setup();
    fakeApi([INBOX], {}, (call) =>
      call.method === "POST" && call.path === "/api/projects"
        ? json(422, {
            title: "Invalid input",
            status: 422,
            errors: [{ loc: ["body", "name"], msg: "String should have at most 100 characters" }],
          })
        : undefined,
    );
    renderApp("/");
    await user.click(await screen.findByRole("button", { name: "New project" }));
    const dialog = screen.getByRole("dialog", { name: "New project" });
    await user.type(within(dialog).getByLabelText("Project name"), "Too long");
    await user.click(within(dialog).getByRole("button", { name: "Create project" }));
    expect(await within(dialog).findByRole("alert")).toHaveTextContent(
      "Name: String should have at most 100 characters.",
    );
  });
});

describe("the project settings page", () => {
  const TEAM = project({ id: "p-team", name: "Team site" });
  const BOB = member({ user_id: "u-bob", email: "bob@example.com", display_name: "Bob Builder", role: "editor" });

  it("shows the server's reason when a member change is refused, and puts the old role back", async () => {
    const user = userEvent.setup();
    const calls = fakeApi([INBOX, TEAM], { "p-team": [member({}), BOB] }, (call) =>
      call.method === "PATCH" && call.path === `/api/projects/p-team/members/${ME.id}`
        ? json(409, {
            type: "about:blank",
            title: "Conflict",
            status: 409,
            detail: "a project needs at least one owner: make someone else an owner first",
          })
        : undefined,
    );
    renderApp("/projects/p-team/settings");

    const mine = await screen.findByRole("combobox", { name: "Role of Mia Me" });
    await user.selectOptions(mine, "viewer");

    expect(await screen.findByRole("alert")).toHaveTextContent(
      "A project needs at least one owner: make someone else an owner first.",
    );
    expect(calls.find((call) => call.method === "PATCH")?.body).toEqual({ role: "viewer" });
    await waitFor(() => expect(screen.getByRole("combobox", { name: "Role of Mia Me" })).toHaveValue("owner"));
  });

  it("lets owners remove someone else but only offers leaving for themselves", async () => {
    const user = userEvent.setup();
    const team = [member({}), member({ ...BOB, role: "owner" })];
    const calls = fakeApi([INBOX, TEAM], { "p-team": team }, (call) => {
      if (call.method !== "DELETE" || !call.path.startsWith("/api/projects/p-team/members/")) return undefined;
      team.splice(
        team.findIndex((m) => call.path.endsWith(m.user_id)),
        1,
      );
      return json(204, null);
    });
    renderApp("/projects/p-team/settings");

    expect(await screen.findByRole("button", { name: "Leave project" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Remove Mia Me" })).not.toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Remove Bob Builder" }));

    await waitFor(() => expect(screen.queryByText("bob@example.com")).not.toBeInTheDocument());
    expect(calls.filter((call) => call.method === "DELETE").map((call) => call.path)).toEqual([
      "/api/projects/p-team/members/u-bob",
    ]);
  });

  it("shows a viewer the project with renaming disabled and explained", async () => {
    const shared = project({ id: "p-shared", name: "Shared plans", role: "viewer", owner_id: "u-bob" });
    fakeApi([INBOX, shared], { "p-shared": [member({ ...BOB, role: "owner" }), member({ role: "viewer" })] });
    renderApp("/projects/p-shared/settings");

    expect(await screen.findByRole("heading", { name: "Project settings" })).toBeInTheDocument();
    const name = screen.getByLabelText("Project name");
    expect(name).toBeDisabled();
    expect(name).toHaveValue("Shared plans");
    expect(name).toHaveAccessibleDescription(/only editors and owners can rename this project/i);
    expect(screen.getByRole("button", { name: "Rename" })).toBeDisabled();
    // Viewers manage nothing: no role selects, no add form, no delete; they may leave.
    expect(await screen.findByText("bob@example.com")).toBeInTheDocument();
    expect(screen.queryByRole("combobox", { name: /^Role of/ })).not.toBeInTheDocument();
    expect(screen.queryByLabelText("E-mail to invite")).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Delete project" })).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Leave project" })).toBeInTheDocument();
  });

  it("renames a project for an editor and the sidebar follows", async () => {
    const user = userEvent.setup();
    const projects = [INBOX, project({ id: "p-team", name: "Team site", role: "editor" })];
    const calls = fakeApi(projects, { "p-team": [] }, (call) => {
      if (call.method !== "PATCH" || call.path !== "/api/projects/p-team") return undefined;
      const renamed = project({ id: "p-team", name: "Team website", role: "editor" });
      projects[1] = renamed;
      return json(200, renamed);
    });
    renderApp("/projects/p-team/settings");

    const name = await screen.findByLabelText("Project name");
    await user.clear(name);
    await user.type(name, "Team website");
    await user.click(screen.getByRole("button", { name: "Rename" }));

    expect(await screen.findByRole("link", { name: "Team website" })).toBeInTheDocument();
    expect(calls.find((call) => call.method === "PATCH")?.body).toEqual({ name: "Team website" });
    expect(screen.queryByRole("button", { name: "Delete project" })).not.toBeInTheDocument();
  });

  it("lets a viewer ask to hear of every new task in the project", async () => {
    const user = userEvent.setup();
    const calls = fakeApi([INBOX, project({ id: "p-team", name: "Team site", role: "viewer" })], { "p-team": [] });
    renderApp("/projects/p-team/settings");

    const every = await screen.findByRole("switch", { name: /Notify me of every new task/ });
    await waitFor(() => expect(every).toBeEnabled());
    expect(every).not.toBeChecked();
    await user.click(every);
    await waitFor(() => expect(every).toBeChecked());
    expect(calls.find((call) => call.method === "PUT")).toEqual({
      method: "PUT",
      path: "/api/projects/p-team/subscription",
      body: { new_tasks: true },
    });
  });

  it("adds a member by e-mail, and explains an address without an account", async () => {
    const user = userEvent.setup();
    const team = [member({})];
    const calls = fakeApi([INBOX, TEAM], { "p-team": team }, (call) => {
      if (call.method !== "POST" || !call.path.endsWith("/members")) return undefined;
      const body = call.body as { email: string };
      if (body.email !== "bob@example.com")
        return json(404, { title: "Not found", status: 404, detail: "no such user" });
      team.push(BOB);
      return json(201, BOB);
    });
    renderApp("/projects/p-team/settings");

    const email = await screen.findByLabelText("E-mail to invite");
    await user.type(email, "nobody@example.com");
    await user.click(screen.getByRole("button", { name: "Add member" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(/No TaskFlow account uses this e-mail address/);

    await user.clear(email);
    await user.type(email, "bob@example.com");
    await user.selectOptions(screen.getByLabelText("Role"), "editor");
    await user.click(screen.getByRole("button", { name: "Add member" }));
    expect(await screen.findByRole("combobox", { name: "Role of Bob Builder" })).toHaveValue("editor");
    expect(calls.filter((call) => call.method === "POST").at(-1)?.body).toEqual({
      email: "bob@example.com",
      role: "editor",
    });
  });

  it("deletes a project after confirming and goes home", async () => {
    const user = userEvent.setup();
    const projects = [INBOX, TEAM];
    const calls = fakeApi(projects, { "p-team": [member({})] }, (call) => {
      if (call.method !== "DELETE" || call.path !== "/api/projects/p-team") return undefined;
      projects.pop();
      return json(204, null);
    });
    const router = renderApp("/projects/p-team/settings");

    await user.click(await screen.findByRole("button", { name: "Delete project" }));
    const dialog = screen.getByRole("dialog", { name: "Delete “Team site”?" });
    await user.click(within(dialog).getByRole("button", { name: "Delete project" }));

    await waitFor(() => expect(router.state.location.pathname).toBe("/"));
    expect(calls.some((call) => call.method === "DELETE" && call.path === "/api/projects/p-team")).toBe(true);
    await waitFor(() => expect(screen.queryByRole("link", { name: "Team site" })).not.toBeInTheDocument());
  });

  it("lets a member leave after confirming, and the project leaves the sidebar", async () => {
    const user = userEvent.setup();
    const shared = project({ id: "p-shared", name: "Shared plans", role: "editor", owner_id: "u-bob" });
    const projects = [INBOX, shared];
    const calls = fakeApi(
      projects,
      { "p-shared": [member({ ...BOB, role: "owner" }), member({ role: "editor" })] },
      (call) => {
        if (call.method !== "DELETE" || call.path !== `/api/projects/p-shared/members/${ME.id}`) return undefined;
        projects.pop();
        return json(204, null);
      },
    );
    const router = renderApp("/projects/p-shared/settings");

    await user.click(await screen.findByRole("button", { name: "Leave project" }));
    await user.click(
      within(screen.getByRole("dialog", { name: "Leave “Shared plans”?" })).getByRole("button", { name: "Leave" }),
    );

    await waitFor(() => expect(router.state.location.pathname).toBe("/"));
    await waitFor(() => expect(screen.queryByRole("link", { name: "Shared plans" })).not.toBeInTheDocument());
    expect(calls.filter((call) => call.method === "DELETE").map((call) => call.path)).toEqual([
      `/api/projects/p-shared/members/${ME.id}`,
    ]);
    // Once gone, the project is not asked for again (it would answer 404).
    const reads = calls.filter((call) => call.method === "GET" && call.path === "/api/projects/p-shared");
    expect(reads).toHaveLength(1);
  });

  it("explains that the Inbox is personal and offers no members or deletion", async () => {
    fakeApi([INBOX], { "p-inbox": [member({})] });
    renderApp("/projects/p-inbox/settings");
    expect(await screen.findByText(/The Inbox is personal/)).toBeInTheDocument();
    expect(screen.queryByLabelText("E-mail to invite")).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Delete project" })).not.toBeInTheDocument();
    expect(screen.getByLabelText("Project name")).toBeEnabled();
  });
});
