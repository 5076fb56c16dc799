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

/** Every project the user belongs to (pages followed to the end: a sidebar shows them all). */
export function useProjects() {
  return useQuery({
    queryKey: keys.projects,
    queryFn: async (): Promise<Project[]> => {
      const projects: Project[] = [];
      let cursor: string | undefined;
      do {
        const page = unwrap(
          await api.GET("/api/projects", { params: { query: { limit: 100, cursor } } }),
        );
        projects.push(...page.items);
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      return projects;
    },
  });
}

export function useProject(projectId: string) {
  return useQuery({
    queryKey: keys.project(projectId),
    queryFn: async () =>
      unwrap(await api.GET("/api/projects/{project_id}", { params: { path: { project_id: projectId } } })),
  });
}

export function useMembers(projectId: string | undefined) {
  return useQuery({
    queryKey: keys.members(projectId ?? ""),
    enabled: Boolean(projectId),
    queryFn: async (): Promise<Member[]> => {
      const members: Member[] = [];
      let cursor: string | undefined;
      do {
        const page = unwrap(
          await api.GET("/api/projects/{project_id}/members", {
            params: { path: { project_id: projectId ?? "" }, query: { limit: 100, cursor } },
          }),
        );
        members.push(...page.items);
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      return members;
    },
  });
}
