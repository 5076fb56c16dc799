// The live stream's project and member changes, applied in place to the cached projects (the
// sidebar, a project's header) and members lists.
import type { QueryClient } from "@tanstack/react-query";

import { MEMBER_ADDED, MEMBER_CHANGED, MEMBER_REMOVED, PROJECT_UPDATED, type LiveChange } from "../../api/liveChanges";
import { keys, type Member, type Project } from "../../api/queries";

function patchProject(client: QueryClient, projectId: string, patch: (project: Project) => Project): void {
  client.setQueryData<Project[]>(keys.projects, (list) =>
    list?.some((p) => p.id === projectId) ? list.map((p) => (p.id === projectId ? patch(p) : p)) : list,
  );
  client.setQueryData<Project>(keys.project(projectId), (project) => (project ? patch(project) : project));
}

function patchMembers(client: QueryClient, projectId: string, patch: (list: Member[]) => Member[]): void {
  client.setQueryData<Member[]>(keys.members(projectId), (list) => (list ? patch(list) : list));
}

/** Apply a project or member change to the cache; `userId` is the signed-in person. Other
 * changes, and the end of the person's own access, are left to others. */
export function applyProjectChange(client: QueryClient, change: LiveChange, userId: string): void {
  const projectId = change.project_id;
  switch (change.type) {
    case MEMBER_ADDED: {
      const { user_id, role, display_name, email } = change.data;
      // An import announces its finished project this way, with tasks no event named (rare
      // enough to ask for the lists again every time).
      void client.invalidateQueries({ queryKey: keys.tasks });
      if (user_id === userId) {
        // Added to a project: the sidebar lists it (the whole project is the server's to give).
        void client.invalidateQueries({ queryKey: keys.projects, exact: true });
        return;
      }
      if (!display_name || !email) {
        void client.invalidateQueries({ queryKey: keys.members(projectId), exact: true });
        return;
      }
      const member: Member = { user_id, role, display_name, email, created_at: change.time };
      patchMembers(client, projectId, (list) => (list.some((m) => m.user_id === user_id) ? list : [...list, member]));
      return;
    }
    case MEMBER_CHANGED: {
      const { user_id, role } = change.data;
      patchMembers(client, projectId, (list) =>
        list.some((m) => m.user_id === user_id && m.role !== role)
          ? list.map((m) => (m.user_id === user_id ? { ...m, role } : m))
          : list,
      );
      if (user_id === userId) patchProject(client, projectId, (project) => ({ ...project, role }));
      return;
    }
    case MEMBER_REMOVED: {
      const { user_id } = change.data;
      patchMembers(client, projectId, (list) =>
        list.some((m) => m.user_id === user_id) ? list.filter((m) => m.user_id !== user_id) : list,
      );
      return;
    }
    case PROJECT_UPDATED: {
      const { name, description, updated_at } = change.data.project;
      patchProject(client, projectId, (project) =>
        Date.parse(project.updated_at) > Date.parse(updated_at)
          ? project
          : { ...project, name, description, updated_at },
      );
      return;
    }
  }
}

/** The project's name as the sidebar has it, if it has it. */
export function cachedProjectName(client: QueryClient, projectId: string): string | null {
  const listed = client.getQueryData<Project[]>(keys.projects)?.find((p) => p.id === projectId);
  return listed?.name ?? client.getQueryData<Project>(keys.project(projectId))?.name ?? null;
}

/** The project leaves the sidebar at once. */
export function unlistProject(client: QueryClient, projectId: string): void {
  client.setQueryData<Project[]>(keys.projects, (list) =>
    list?.some((p) => p.id === projectId) ? list.filter((p) => p.id !== projectId) : list,
  );
}

/** Whether anything on screen still reads the project's own queries (its page, its settings). */
export function projectInUse(client: QueryClient, projectId: string): boolean {
  return client
    .getQueryCache()
    .findAll({ queryKey: keys.project(projectId) })
    .some((query) => query.getObserversCount() > 0);
}

/** The project's own queries leave the cache: the project, its members. */
export function dropProjectQueries(client: QueryClient, projectId: string): void {
  client.removeQueries({ queryKey: keys.project(projectId) });
}
