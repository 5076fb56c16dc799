// Server state that several features read: projects and their members.
import { useQuery } from "@tanstack/react-query";

import { api, type Schemas } from "./client";
import { unwrap } from "./problem";

export type Project = Schemas["ProjectPublic"];
export type Member = Schemas["MemberPublic"];

export const keys = {
  projects: ["projects"] as const,
  project: (id: string) => ["projects", id] as const,
  members: (projectId: string) => ["projects", projectId, "members"] as const,
  tasks: ["tasks"] as const,
  notifications: ["notifications"] as const,
};

interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

/** Every item of a cursor-paged list, following its pages to the end. */
async function allPages<T>(page: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const next = await page(cursor);
    items.push(...next.items);
    cursor = next.next_cursor ?? undefined;
  } while (cursor);
  return items;
}

/** Every project the user belongs to (a sidebar shows them all). */
export function useProjects() {
  return useQuery({
    queryKey: keys.projects,
    queryFn: () =>
      allPages(async (cursor) => unwrap(await api.GET("/api/projects", { params: { query: { limit: 100, cursor } } }))),
  });
}

export function useProject(projectId: string) {
  return useQuery({
    queryKey: keys.project(projectId),
    queryFn: async () =>
      unwrap(await api.GET("/api/projects/{project_id}", { params: { path: { project_id: projectId } } })),
  });
}

/** A project's members (every page), as one query: for useMembers, and useQueries over several. */
export function membersQuery(projectId: string) {
  return {
    queryKey: keys.members(projectId),
    queryFn: () =>
      allPages(async (cursor: string | undefined) =>
        unwrap(
          await api.GET("/api/projects/{project_id}/members", {
            params: { path: { project_id: projectId }, query: { limit: 100, cursor } },
          }),
        ),
      ),
  };
}

export function useMembers(projectId: string | undefined) {
  return useQuery({ ...membersQuery(projectId ?? ""), enabled: Boolean(projectId) });
}
