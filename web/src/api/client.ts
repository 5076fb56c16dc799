// The API client, generated from the OpenAPI document (schema.d.ts; never edit it by hand).
import createClient from "openapi-fetch";

import { currentToken, refresh } from "../lib/session";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];

// Paths that sign in: a 401 there is a wrong password, not an expired token.
const NO_RETRY = ["/api/auth/login", "/api/auth/register", "/api/auth/refresh", "/api/auth/password"];

function withToken(request: Request, token: string | null): Request {
  const headers = new Headers(request.headers);
  if (token) headers.set("Authorization", `Bearer ${token}`);
  return new Request(request, { headers });
}

/** fetch with the access token; on a 401 it refreshes the session once and tries again. */
export async function authorizedFetch(request: Request): Promise<Response> {
  const retry = request.clone();
  const response = await fetch(withToken(request, currentToken()));
  const path = new URL(request.url, window.location.origin).pathname;
  if (response.status !== 401 || NO_RETRY.includes(path)) return response;
  const token = await refresh();
  return token ? fetch(withToken(retry, token)) : response;
}

export const api = createClient<paths>({
  baseUrl: window.location.origin,
  credentials: "same-origin",
  fetch: authorizedFetch,
});
