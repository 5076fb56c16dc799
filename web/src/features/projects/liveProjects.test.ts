// The live stream's project and member changes, applied to the sidebar's projects, a project's
// header and its members list.
import { QueryClient } from "@tanstack/react-query";
import { describe, expect, it } from "vitest";

import { keys, type Member, type Project } from "../../api/queries";
import { aChange, ANA, ME } from "../../test/liveChanges";
import { applyProjectChange, cachedProjectName, dropProjectQueries, unlistProject } from "./liveProjects";

const BEA = "0c0c0c0c-0000-4000-8000-00000000000c";
const STAMP = "2026-11-20T10:00:00Z";

const project = (over: Partial<Project> = {}): Project => ({
  id: "p1",
  name: "Launch",
  description: "",
  owner_id: ANA,
  is_inbox: false,
  notify_new_tasks: false,
  role: "editor",
  created_at: STAMP,
  updated_at: STAMP,
  ...over,
});

const member = (user_id: string, display_name: string, role: Member["role"]): Member => ({
  user_id,
  display_name,
  email: `${display_name.toLowerCase()}@example.com`,
  role,
  created_at: STAMP,
});

function seeded() {
  const client = new QueryClient();
  const inbox = project({ id: "inbox", name: "Inbox", is_inbox: true, role: "owner" });
  client.setQueryData(keys.projects, [inbox, project()]);
  client.setQueryData(keys.project("p1"), project());
  client.setQueryData(keys.members("p1"), [member(ANA, "Ana", "owner"), member(ME, "Me", "editor")]);
  return client;
}

const roles = (client: QueryClient) =>
  client.getQueryData<Member[]>(keys.members("p1"))?.map((m) => `${m.display_name}:${m.role}`);

describe("member changes", () => {
  it("add a member once, change their role, and remove them", () => {
    const client = seeded();
    const added = aChange("com.taskflow.project.member_added", {
      project_id: "p1",
      project_name: "Launch",
      user_id: BEA,
      role: "viewer",
      display_name: "Bea",
      email: "bea@example.com",
    });
    applyProjectChange(client, added, ME);
    applyProjectChange(client, added, ME);
    expect(roles(client)).toEqual(["Ana:owner", "Me:editor", "Bea:viewer"]);
    applyProjectChange(
      client,
      aChange("com.taskflow.project.member_changed", {
        project_id: "p1",
        project_name: "Launch",
        user_id: BEA,
        role: "editor",
        previous_role: "viewer",
      }),
      ME,
    );
    expect(roles(client)).toEqual(["Ana:owner", "Me:editor", "Bea:editor"]);
    applyProjectChange(
      client,
      aChange("com.taskflow.project.member_removed", {
        project_id: "p1",
        project_name: "Launch",
        user_id: BEA,
        role: "editor",
        unassigned_task_ids: [],
      }),
      ME,
    );
    expect(roles(client)).toEqual(["Ana:owner", "Me:editor"]);
  });

  it("show the person's own new role in the sidebar and the project's header", () => {
    const client = seeded();
    applyProjectChange(
      client,
      aChange("com.taskflow.project.member_changed", {
        project_id: "p1",
        project_name: "Launch",
        user_id: ME,
        role: "viewer",
        previous_role: "editor",
      }),
      ME,
    );
    expect(client.getQueryData<Project[]>(keys.projects)?.find((p) => p.id === "p1")?.role).toBe("viewer");
    expect(client.getQueryData<Project>(keys.project("p1"))?.role).toBe("viewer");
    expect(roles(client)).toEqual(["Ana:owner", "Me:viewer"]);
  });

  it("ask for the task lists again when a member is announced, as a finished import does", () => {
    const client = seeded();
    client.setQueryData([...keys.tasks, { project_id: "p1" }], { pages: [] });
    applyProjectChange(
      client,
      aChange("com.taskflow.project.member_added", {
        project_id: "p1",
        project_name: "Launch",
        user_id: ANA,
        role: "owner",
        display_name: "Ana",
        email: "ana@example.com",
      }),
      ME,
    );
    expect(client.getQueryState([...keys.tasks, { project_id: "p1" }])?.isInvalidated).toBe(true);
    expect(roles(client)).toEqual(["Ana:owner", "Me:editor"]);
  });

  it("ask for the sidebar again when the person is added to a project", () => {
    const client = seeded();
    applyProjectChange(
      client,
      aChange("com.taskflow.project.member_added", {
        project_id: "p9",
        project_name: "New",
        user_id: ME,
        role: "editor",
        display_name: "Me",
        email: "me@example.com",
      }),
      ME,
    );
    expect(client.getQueryState(keys.projects)?.isInvalidated).toBe(true);
  });
});

describe("project changes", () => {
  it("rename a project in the sidebar and its header, unless the cache holds a later version", () => {
    const client = seeded();
    const renamed = aChange("com.taskflow.project.updated", {
      project: {
        id: "p1",
        name: "Launch 2.0",
        description: "The big one",
        owner_id: ANA,
        updated_at: STAMP.replace("20T", "21T"),
      },
      changed: ["name", "description"],
    });
    applyProjectChange(client, renamed, ME);
    expect(client.getQueryData<Project[]>(keys.projects)?.map((p) => p.name)).toEqual(["Inbox", "Launch 2.0"]);
    expect(client.getQueryData<Project>(keys.project("p1"))).toMatchObject({
      name: "Launch 2.0",
      description: "The big one",
    });
    const older = aChange("com.taskflow.project.updated", {
      project: { id: "p1", name: "Launch", description: "", owner_id: ANA, updated_at: STAMP },
      changed: ["name"],
    });
    applyProjectChange(client, older, ME);
    expect(client.getQueryData<Project>(keys.project("p1"))?.name).toBe("Launch 2.0");
  });

  it("take a project the person lost out of the sidebar, then out of the cache", () => {
    const client = seeded();
    expect(cachedProjectName(client, "p1")).toBe("Launch");
    unlistProject(client, "p1");
    expect(client.getQueryData<Project[]>(keys.projects)?.map((p) => p.id)).toEqual(["inbox"]);
    dropProjectQueries(client, "p1");
    expect(client.getQueryData(keys.project("p1"))).toBeUndefined();
    expect(client.getQueryData(keys.members("p1"))).toBeUndefined();
  });
});
