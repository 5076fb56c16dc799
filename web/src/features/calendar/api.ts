// The tasks a calendar shows: GET /api/tasks due within its days, in every project of the
// user's, read whole (up to a limit). Cached under the task lists' keys, so the tasks feature's
// writes and live changes move tasks on the calendar as they do in any list.
import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { useEffect } from "react";

import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import { keys } from "../../api/queries";

const PAGE = 100;
export const MAX_PAGES = 10;

export function useCalendarTasks(due: { due_after: string; due_before: string }) {
  const query = { ...due, sort: "due" as const, limit: PAGE };
  const list = useInfiniteQuery({
    queryKey: [...keys.tasks, "list", query] as const,
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(await api.GET("/api/tasks", { params: { query: { ...query, cursor: pageParam } } })),
    getNextPageParam: (page) => page.next_cursor ?? undefined,
    // Another month keeps the one shown until its own tasks arrive (each shows on its own day).
    placeholderData: keepPreviousData,
  });
  const { hasNextPage, isFetchingNextPage, isFetchNextPageError, fetchNextPage } = list;
  const pages = list.data?.pages.length ?? 0;
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && !isFetchNextPageError && pages < MAX_PAGES) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, isFetchNextPageError, fetchNextPage, pages]);
  return list;
}
