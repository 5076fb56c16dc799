// The HTTP API as the tests use it beside the browser: to check what the screens did, and
// to act "elsewhere" (another person, another device) while a page stays open.
import { BASE_URL } from "./browser";

export interface Task {
  id: string;
  project_id: string;
  title: string;
  description: string;
  status: string;
  assignee_id: string | null;
  version: number;
}

export interface Project {
  id: string;
  name: string;
}

export interface Member {
  user_id: string;
  email: string;
  display_name: string;
  role: string;
}

export interface Notification {
  id: string;
  message: string;
  task_id: string | null;
  read: boolean;
}

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what} answered ${status}: ${body.slice(0, 300)}`);
  }
}

async function call<T>(method: string, path: string, token: string | null, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(BASE_URL + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new ApiFailure(response.status, text, `${method} ${path}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** One person's own API session (a sign-in of its own, apart from any browser's). */
export class Person {
  private token: string | null = null;
  id = "";

  constructor(
    readonly name: string,
    readonly email: string,
    readonly password: string,
  ) {}

  /** A new account, signed in. */
  async register(): Promise<this> {
    const grant = await call<{ access_token: string }>("POST", "/api/auth/register", null, {
      email: this.email,
      password: this.password,
      display_name: this.name,
    });
    this.token = grant.access_token;
    this.id = (await this.get<{ id: string }>("/api/auth/me")).id;
    return this;
  }

  async signIn(): Promise<this> {
    const grant = await call<{ access_token: string }>("POST", "/api/auth/login", null, {
      email: this.email,
      password: this.password,
    });
    this.token = grant.access_token;
    this.id = (await this.get<{ id: string }>("/api/auth/me")).id;
    return this;
  }

  get<T>(path: string): Promise<T> {
    return call<T>("GET", path, this.token);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return call<T>("POST", path, this.token, body);
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return call<T>("PATCH", path, this.token, body);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return call<T>("PUT", path, this.token, body);
  }

  delete(path: string): Promise<void> {
    return call<void>("DELETE", path, this.token);
  }

  async projectNamed(name: string): Promise<Project | undefined> {
    const page = await this.get<{ items: Project[] }>("/api/projects");
    return page.items.find((project) => project.name === name);
  }

  async members(projectId: string): Promise<Member[]> {
    return (await this.get<{ items: Member[] }>(`/api/projects/${projectId}/members`)).items;
  }

  async taskTitled(projectId: string, title: string): Promise<Task | undefined> {
    const query = new URLSearchParams({ project_id: projectId, q: title, limit: "50" });
    const page = await this.get<{ items: Task[] }>(`/api/tasks?${query}`);
    return page.items.find((task) => task.title === title);
  }

  task(taskId: string): Promise<Task> {
    return this.get<Task>(`/api/tasks/${taskId}`);
  }

  /** Change a task as of its current version (someone else's edit, from the app's view). */
  async changeTask(taskId: string, changes: Partial<Task>): Promise<Task> {
    const current = await this.task(taskId);
    return this.patch<Task>(`/api/tasks/${taskId}`, { ...changes, version: current.version });
  }

  async unreadCount(): Promise<number> {
    return (await this.get<{ unread: number }>("/api/notifications/unread-count")).unread;
  }

  async notifications(): Promise<Notification[]> {
    return (await this.get<{ items: Notification[] }>("/api/notifications")).items;
  }
}
