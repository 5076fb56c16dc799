// Writes to projects and their members. Cheap ones (rename, role change, removal) show at
// once and roll back when the server refuses; every hook leaves the shared caches fresh.
import { useMutation, useQueryClient, type QueryClient } from "@tanstack/react-query";

import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import { keys, type Member, type Project } from "../../api/queries";
import type { Role } from "../../api/vocabulary";

export const canEdit = (role: Role) => role === "owner" || role === "editor";
export const canManage = (role: Role) => role === "owner";

/** A stable pick from `options` for an id (colours of dots and avatars), FNV-1a hashed. */
export function pickFor<T>(id: string, options: readonly T[]): T | undefined {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i += 1) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return options[(hash >>> 0) % options.length];
}

/** Projects the way the sidebar shows them: the Inbox first, then by name. */
export function sortProjects(projects: readonly Project[]): Project[] {
  const byName = new Intl.Collator(undefined, { sensitivity: "base", numeric: true });
  return [...projects].sort((a, b) => {
    if (a.is_inbox !== b.is_inbox) return a.is_inbox ? -1 : 1;
    return byName.compare(a.name, b.name) || a.created_at.localeCompare(b.created_at);
  });
}

function putProject(client: QueryClient, project: Project) {
  client.setQueryData<Project[]>(keys.projects, (list) => {
    if (!list) return list;
    return list.some((p) => p.id === project.id)
      ? list.map((p) => (p.id === project.id ? project : p))
      : [...list, project];
  });
  client.setQueryData(keys.project(project.id), project);
}

function dropProject(client: QueryClient, projectId: string) {
  client.setQueryData<Project[]>(keys.projects, (list) => list?.filter((p) => p.id !== projectId));
  // Exact removal first: the detail and members live under ["projects", id, ...].
  client.removeQueries({ queryKey: keys.project(projectId) });
}

export function useCreateProject() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (body: { name: string; description: string }) =>
      unwrap(await api.POST("/api/projects", { body })),
    onSuccess: (project) => {
      putProject(client, project);
      void client.invalidateQueries({ queryKey: keys.projects, exact: true });
    },
  });
}

type ProjectChanges = { name?: string; description?: string };

export function useUpdateProject(projectId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (changes: ProjectChanges) =>
      unwrap(
        await api.PATCH("/api/projects/{project_id}", {
          params: { path: { project_id: projectId } },
          body: changes,
        }),
      ),
    onMutate: async (changes) => {
      await client.cancelQueries({ queryKey: keys.projects, exact: true });
      await client.cancelQueries({ queryKey: keys.project(projectId), exact: true });
      const before = {
        list: client.getQueryData<Project[]>(keys.projects),
        one: client.getQueryData<Project>(keys.project(projectId)),
      };
      const apply = (p: Project): Project => (p.id === projectId ? { ...p, ...changes } : p);
      client.setQueryData<Project[]>(keys.projects, (list) => list?.map(apply));
      client.setQueryData<Project>(keys.project(projectId), (p) => (p ? apply(p) : p));
      return before;
    },
    onError: (_error, _changes, before) => {
      client.setQueryData(keys.projects, before?.list);
      client.setQueryData(keys.project(projectId), before?.one);
    },
    onSuccess: (project) => putProject(client, project),
    onSettled: () => client.invalidateQueries({ queryKey: keys.projects, exact: true }),
  });
}

export function useDeleteProject() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (projectId: string) => {
      unwrap(await api.DELETE("/api/projects/{project_id}", { params: { path: { project_id: projectId } } }));
      return projectId;
    },
    onSuccess: (projectId) => {
      dropProject(client, projectId);
      void client.invalidateQueries({ queryKey: keys.projects, exact: true });
      void client.invalidateQueries({ queryKey: keys.tasks });
    },
  });
}

export function useAddMember(projectId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (body: { email: string; role: Role }) =>
      unwrap(
        await api.POST("/api/projects/{project_id}/members", {
          params: { path: { project_id: projectId } },
          // Named by e-mail only: the server refuses a body naming the user twice.
          body,
        }),
      ),
    onSuccess: (member) => {
      client.setQueryData<Member[]>(keys.members(projectId), (list) =>
        list && !list.some((m) => m.user_id === member.user_id) ? [...list, member] : list,
      );
      void client.invalidateQueries({ queryKey: keys.members(projectId) });
    },
  });
}

/** Optimistic edit of the members list, restored when the server refuses. */
async function editMembers(client: QueryClient, projectId: string, edit: (list: Member[]) => Member[]) {
  await client.cancelQueries({ queryKey: keys.members(projectId) });
  const before = client.getQueryData<Member[]>(keys.members(projectId));
  client.setQueryData<Member[]>(keys.members(projectId), (list) => (list ? edit(list) : list));
  return { before };
}

export function useChangeRole(projectId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ userId, role }: { userId: string; role: Role }) =>
      unwrap(
        await api.PATCH("/api/projects/{project_id}/members/{user_id}", {
          params: { path: { project_id: projectId, user_id: userId } },
          body: { role },
        }),
      ),
    onMutate: ({ userId, role }) =>
      editMembers(client, projectId, (list) => list.map((m) => (m.user_id === userId ? { ...m, role } : m))),
    onError: (_error, _vars, context) => client.setQueryData(keys.members(projectId), context?.before),
    onSettled: () => {
      void client.invalidateQueries({ queryKey: keys.members(projectId) });
      // The caller's own role may have changed: the project and the sidebar show it.
      void client.invalidateQueries({ queryKey: keys.project(projectId), exact: true });
      void client.invalidateQueries({ queryKey: keys.projects, exact: true });
    },
  });
}

export function useRemoveMember(projectId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ userId }: { userId: string; self: boolean }) => {
      unwrap(
        await api.DELETE("/api/projects/{project_id}/members/{user_id}", {
          params: { path: { project_id: projectId, user_id: userId } },
        }),
      );
    },
    onMutate: ({ userId }) => editMembers(client, projectId, (list) => list.filter((m) => m.user_id !== userId)),
    onError: (_error, _vars, context) => client.setQueryData(keys.members(projectId), context?.before),
    onSuccess: (_data, { self }) => {
      if (self) dropProject(client, projectId);
      // Whoever leaves stops being the assignee of the project's tasks.
      void client.invalidateQueries({ queryKey: keys.tasks });
    },
    onSettled: (_data, error, { self }) => {
      if (!self || error) void client.invalidateQueries({ queryKey: keys.members(projectId) });
      void client.invalidateQueries({ queryKey: keys.projects, exact: true });
    },
  });
}
