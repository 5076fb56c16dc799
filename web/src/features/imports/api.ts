// Imports' server state: sending a file, one import (asked again while it runs), recent ones.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { api, type Schemas } from "../../api/client";
import { ApiError, unwrap } from "../../api/problem";
import { keys } from "../../api/queries";
import type { operations } from "../../api/schema";
import { inProgress } from "./progress";

export type Import = Schemas["ImportPublic"];
export type ImportDetail = Schemas["ImportDetail"];

type UploadBody = operations["import_project"]["requestBody"]["content"]["multipart/form-data"];

export const importKeys = {
  all: ["imports"] as const,
  one: (id: string) => ["imports", id] as const,
};

// While an import is queued or running, its state is asked for this often.
const POLL_MS = 1000;

/** Send a file; `again` when the same file was imported before (the answer is that import). */
export function useStartImport() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ file, name }: { file: File; name: string }) => {
      const form = new FormData();
      form.append("file", file);
      if (name) form.append("name", name);
      const result = await api.POST("/api/projects/import", {
        // The multipart body goes as the FormData (the browser writes its boundary).
        body: form as unknown as UploadBody,
        bodySerializer: (body) => body as unknown as FormData,
      });
      if (result.response.status === 413 && !(result.error && typeof result.error === "object")) {
        // A refusal by the gateway in front of the API is not a problem document.
        throw new ApiError(413, {});
      }
      return { imported: unwrap(result), again: result.response.status === 200 };
    },
    onSuccess: () => void client.invalidateQueries({ queryKey: importKeys.all, exact: true }),
  });
}

export function useImport(id: string) {
  const client = useQueryClient();
  return useQuery({
    queryKey: importKeys.one(id),
    queryFn: async (): Promise<ImportDetail> => {
      const found = unwrap(await api.GET("/api/imports/{import_id}", { params: { path: { import_id: id } } }));
      // Finished: the sidebar lists the new project, and the recent imports the new state.
      if (!inProgress(found.status)) {
        void client.invalidateQueries({ queryKey: keys.projects });
        void client.invalidateQueries({ queryKey: importKeys.all, exact: true });
      }
      return found;
    },
    refetchInterval: ({ state }) =>
      state.status === "error" || (state.data && !inProgress(state.data.status)) ? false : POLL_MS,
  });
}

export function useImports() {
  return useQuery({
    queryKey: importKeys.all,
    queryFn: async (): Promise<Import[]> => unwrap(await api.GET("/api/imports")).items,
  });
}
