// What the app does with the live stream's team changes: each feature patches what it caches,
// what someone else changed is marked on screen, the histories concerned are looked at again,
// and a person who can no longer see a project is moved off its pages and told why.
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useRef } from "react";
import { useLocation, useNavigate, type NavigateFunction } from "react-router";
import { toast } from "sonner";

import { MEMBER_REMOVED, PROJECT_DELETED, endsAccess, taskOf, type LiveChange } from "../api/liveChanges";
import type { LiveHandlers } from "../features/notifications/LiveNotifications";
import {
  applyProjectChange,
  cachedProjectName,
  dropProjectQueries,
  projectInUse,
  unlistProject,
} from "../features/projects/liveProjects";
import { applyTaskChange, dropProjectTasks, markTaskChange } from "../features/tasks/liveTasks";
import { useUser } from "../lib/auth";
import { clearMarks } from "../lib/liveMarks";

// The history feature's keys (features/activity): looked at again when their subject changes.
const activityOfTask = (taskId: string) => ["activity", "task", taskId] as const;
const activityOfProject = (projectId: string) => ["activity", "project", projectId] as const;
// While a project's page is still on screen (leaving it is under way), its queries wait.
const DROP_RETRY_MS = 50;
const DROP_ATTEMPTS = 40;

/** Navigation state that says the person lost the page's project: nothing may hold them there. */
export const ACCESS_ENDED_STATE = { accessEnded: true } as const;

function onProjectPages(pathname: string, projectId: string): boolean {
  const base = `/projects/${projectId}`;
  return pathname === base || pathname.startsWith(`${base}/`);
}

/** The project's cached data goes, once nothing on screen reads it any more. */
function dropProject(client: QueryClient, projectId: string, attempt = 0): void {
  if (projectInUse(client, projectId) && attempt < DROP_ATTEMPTS) {
    setTimeout(() => dropProject(client, projectId, attempt + 1), DROP_RETRY_MS);
    return;
  }
  dropProjectQueries(client, projectId);
  dropProjectTasks(client, projectId);
}

function why(change: LiveChange | null): string {
  const by = change?.actor_name ?? "someone";
  if (change?.type === PROJECT_DELETED) return `: ${by} deleted it.`;
  if (change?.type === MEMBER_REMOVED) return `: ${by} removed you from it.`;
  return ".";
}

interface Latest {
  userId: string;
  pathname: string;
  navigate: NavigateFunction;
}

function accessEnded(client: QueryClient, latest: Latest, projectId: string, change: LiveChange | null): void {
  const name =
    cachedProjectName(client, projectId) ??
    (change && "project_name" in change.data ? change.data.project_name : null) ??
    "this project";
  const byMe = change !== null && change.actor_id === latest.userId;
  unlistProject(client, projectId);
  // Leaving or deleting it here already took the person elsewhere; another tab follows quietly.
  if (!byMe) {
    toast(`You no longer have access to ${name}${why(change)}`, { id: `access-${projectId}`, duration: 10_000 });
  }
  if (onProjectPages(latest.pathname, projectId)) {
    void latest.navigate("/", { replace: true, state: ACCESS_ENDED_STATE });
  }
  dropProject(client, projectId);
}

export function useTeamChanges(): LiveHandlers {
  const client = useQueryClient();
  const user = useUser();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const latest = useRef<Latest>({ userId: user.id, pathname, navigate });
  useEffect(() => {
    latest.current = { userId: user.id, pathname, navigate };
  });
  // What was marked for one person is not shown to the next to sign in here.
  useEffect(() => () => clearMarks(), [user.id]);

  return useMemo(
    () => ({
      onChange: (change: LiveChange) => {
        const { userId } = latest.current;
        applyTaskChange(client, change);
        applyProjectChange(client, change, userId);
        markTaskChange(change, userId);
        const task = taskOf(change);
        if (task) void client.invalidateQueries({ queryKey: activityOfTask(task.id) });
        void client.invalidateQueries({ queryKey: activityOfProject(change.project_id) });
        if (endsAccess(change, userId)) accessEnded(client, latest.current, change.project_id, change);
      },
      onRevoked: (projectId: string) => accessEnded(client, latest.current, projectId, null),
      onRefetch: () => void client.invalidateQueries(),
    }),
    [client],
  );
}
