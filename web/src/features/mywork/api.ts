// The lists behind My tasks, Today, Upcoming and search: GET /api/tasks without a project (every
// project of the user's). Cached under the task lists' keys, so the tasks feature's writes and
// live changes patch these lists as they patch a project's.
import { useInfiniteQuery } from "@tanstack/react-query";
import { useEffect } from "react";

import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import { keys } from "../../api/queries";

// My tasks are read whole (they are grouped on screen), up to this many.
const MY_TASKS_PAGE = 100;
const MY_TASKS_PAGES = 10;

export interface CrossProjectQuery {
  assignee_id?: string;
  open?: boolean;
  q?: string;
  sort?: "due" | "-created" | "-updated";
  limit: number;
}

function useTaskPages(query: CrossProjectQuery, enabled = true) {
  return useInfiniteQuery({
    queryKey: [...keys.tasks, "list", query] as const,
    enabled,
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(await api.GET("/api/tasks", { params: { query: { ...query, cursor: pageParam } } })),
    getNextPageParam: (page) => page.next_cursor ?? undefined,
  });
}

/** Every open task assigned to the user, soonest due first (undated last). */
export function useMyTasks(userId: string) {
  const list = useTaskPages({ assignee_id: userId, open: true, sort: "due", limit: MY_TASKS_PAGE });
  const { hasNextPage, isFetchingNextPage, isFetchNextPageError, fetchNextPage } = list;
  const pages = list.data?.pages.length ?? 0;
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && !isFetchNextPageError && pages < MY_TASKS_PAGES) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, isFetchNextPageError, fetchNextPage, pages]);
  return list;
}

/** Tasks matching a search, across every project of the user's, newest first. */
export function useTaskSearch(q: string) {
  return useTaskPages({ q, limit: 50 }, q.length > 0);
}
