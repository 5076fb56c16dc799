import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { currentToken, forget, grant } from "../lib/session";
import { api } from "./client";
import { ApiError, unwrap } from "./problem";

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const me = { id: "u1", email: "a@example.com", display_name: "A", created_at: "", updated_at: "" };

/** A server whose access tokens are "old" (expired) or "new"; refresh turns the cookie into "new". */
function fakeServer(refreshWorks: boolean) {
  const calls: { path: string; auth: string | null }[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request =
      input instanceof Request ? input : new Request(new URL(String(input), window.location.origin), init);
    const path = new URL(request.url).pathname;
    calls.push({ path, auth: request.headers.get("Authorization") });
    if (path === "/api/auth/refresh") {
      await new Promise((resolve) => setTimeout(resolve, 10));
      return refreshWorks
        ? json(200, { access_token: "new", token_type: "Bearer", expires_in: 900 })
        : json(401, { type: "about:blank", title: "Unauthorized", status: 401, detail: "Sign in again." });
    }
    return request.headers.get("Authorization") === "Bearer new"
      ? json(200, me)
      : json(401, { type: "about:blank", title: "Unauthorized", status: 401 });
  });
  vi.stubGlobal("fetch", fetchMock);
  return calls;
}

describe("the API client's silent token refresh", () => {
  beforeEach(() => grant({ access_token: "old", expires_in: 900 }));
  afterEach(() => {
    forget();
    vi.unstubAllGlobals();
  });

  it("refreshes once for concurrent 401s and retries each request with the new token", async () => {
    const calls = fakeServer(true);
    const [a, b, c] = await Promise.all([api.GET("/api/auth/me"), api.GET("/api/auth/me"), api.GET("/api/auth/me")]);
    expect([a.data, b.data, c.data]).toEqual([me, me, me]);
    expect(calls.filter((call) => call.path === "/api/auth/refresh")).toHaveLength(1);
    expect(calls.filter((call) => call.auth === "Bearer new")).toHaveLength(3);
    expect(currentToken()).toBe("new");
  });

  it("ends the session when the refresh cookie is refused, without retrying forever", async () => {
    const calls = fakeServer(false);
    const result = await api.GET("/api/auth/me");
    expect(result.response.status).toBe(401);
    expect(() => unwrap(result)).toThrow(ApiError);
    expect(currentToken()).toBeNull();
    expect(calls.map((call) => call.path)).toEqual(["/api/auth/me", "/api/auth/refresh"]);
  });

  it("does not treat a wrong password as an expired session", async () => {
    const calls = fakeServer(true);
    const result = await api.POST("/api/auth/login", { body: { email: "a@example.com", password: "wrong-password" } });
    expect(result.response.status).toBe(401);
    expect(calls.map((call) => call.path)).toEqual(["/api/auth/login"]);
  });
});
