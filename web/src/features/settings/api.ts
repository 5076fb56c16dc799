// The settings screens' server state: profile, password, e-mail preferences and default
// reminders, webhooks, calendar feeds, and personal access tokens.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { api, type Schemas } from "../../api/client";
import { ApiError, unwrap } from "../../api/problem";
import { keys } from "../../api/queries";
import { useSession } from "../../lib/auth";
import { grant } from "../../lib/session";

export type Preferences = Schemas["PreferencesPublic"];
export type Webhook = Schemas["WebhookPublic"];
export type WebhookCreated = Schemas["WebhookCreated"];
export type WebhookTestResult = Schemas["WebhookTestResult"];
export type CalendarFeed = Schemas["CalendarFeedPublic"];
export type CalendarFeedCreated = Schemas["CalendarFeedCreated"];
export type PersonalToken = Schemas["PersonalTokenPublic"];
export type PersonalTokenCreated = Schemas["PersonalTokenCreated"];
export type PersonalTokenCreate = Schemas["PersonalTokenCreate"];

export const settingsKeys = {
  preferences: [...keys.notifications, "preferences"] as const,
  webhooks: [...keys.notifications, "webhooks"] as const,
  calendarFeeds: ["calendar", "feeds"] as const,
  tokens: ["auth", "tokens"] as const,
};

/** What each kind of notice is called in the e-mail preferences. */
// Task notices go to the task's watchers (its creator, assignee, commenters, people mentioned
// in it, and whoever chose to watch it); a new task to the members who asked for every one.
export const KIND_LABELS: Record<string, string> = {
  "task.assigned": "A task is assigned to me",
  mention: "Someone mentions me (@name) in a comment or a task description",
  "comment.added": "Someone comments on a task I watch",
  "task.status_changed": "A task I watch changes status",
  "task.updated": "A task I watch is edited",
  "task.due_soon": "A task I watch is due soon",
  "task.reminder": "One of my reminders on a task is due",
  "task.created": "A task is created in a project where I asked to hear of every new task",
  "task.deleted": "A task I watch is deleted",
  "project.member_added": "I am added to a project",
};

export function kindLabel(kind: string): string {
  const label = KIND_LABELS[kind];
  if (label) return label;
  const words = kind.replace(/[._]/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The kinds in the order KIND_LABELS gives them, then any the server adds later. */
export function orderedKinds(kinds: string[]): string[] {
  const known = Object.keys(KIND_LABELS);
  const rank = (kind: string) => (known.includes(kind) ? known.indexOf(kind) : known.length);
  return [...kinds].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

export function useUpdateProfile() {
  const { setUser } = useSession();
  return useMutation({
    mutationFn: async (changes: Schemas["UserUpdate"]) =>
      unwrap(
        await api.PATCH("/api/auth/me", {
          // Only the changed fields go: a field sent as null is refused.
          body: changes,
        }),
      ),
    onSuccess: (user) => setUser(user),
  });
}

/** A new e-mail verification link to the account's address (409 when it is verified already). */
export function useResendVerification() {
  const { setUser, user } = useSession();
  return useMutation({
    mutationFn: async () => unwrap(await api.POST("/api/auth/verify-email/resend")),
    onError: (error) => {
      // Verified meanwhile (another tab opened the link): the badge says so now.
      if (error instanceof ApiError && error.status === 409 && user) setUser({ ...user, email_verified: true });
    },
  });
}

export function useChangePassword() {
  return useMutation({
    mutationFn: async (body: Schemas["PasswordChange"]) => unwrap(await api.POST("/api/auth/password", { body })),
    // Every other session has just ended; this one goes on with the fresh tokens.
    onSuccess: (tokens) => grant(tokens),
  });
}

export function usePreferences() {
  return useQuery({
    queryKey: settingsKeys.preferences,
    queryFn: async (): Promise<Preferences> => unwrap(await api.GET("/api/notifications/preferences")),
  });
}

export function useSavePreferences() {
  const client = useQueryClient();
  return useMutation({
    // Only the fields sent change.
    mutationFn: async (body: Schemas["PreferencesUpdate"]) =>
      unwrap(await api.PUT("/api/notifications/preferences", { body })),
    onSuccess: (saved) => client.setQueryData(settingsKeys.preferences, saved),
  });
}

export function useWebhooks() {
  return useQuery({
    queryKey: settingsKeys.webhooks,
    queryFn: async (): Promise<Webhook[]> => unwrap(await api.GET("/api/notifications/webhooks")).items,
  });
}

export function useAddWebhook() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (body: { url: string; description: string }) =>
      unwrap(await api.POST("/api/notifications/webhooks", { body })),
    onSuccess: (created) => {
      // The list never holds the secret: keep it only in the answer, shown once.
      const { secret: _secret, ...hook } = created;
      client.setQueryData<Webhook[]>(settingsKeys.webhooks, (hooks) => (hooks ? [...hooks, hook] : [hook]));
      void client.invalidateQueries({ queryKey: settingsKeys.webhooks });
    },
  });
}

export function useDeleteWebhook() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) => {
      unwrap(await api.DELETE("/api/notifications/webhooks/{webhook_id}", { params: { path: { webhook_id: id } } }));
      return id;
    },
    onSuccess: (id) => {
      client.setQueryData<Webhook[]>(settingsKeys.webhooks, (hooks) => hooks?.filter((hook) => hook.id !== id));
    },
    onSettled: () => void client.invalidateQueries({ queryKey: settingsKeys.webhooks }),
  });
}

export function useTestWebhook() {
  return useMutation({
    mutationFn: async (id: string): Promise<WebhookTestResult> =>
      unwrap(await api.POST("/api/notifications/webhooks/{webhook_id}/test", { params: { path: { webhook_id: id } } })),
  });
}

export function useCalendarFeeds() {
  return useQuery({
    queryKey: settingsKeys.calendarFeeds,
    queryFn: async (): Promise<CalendarFeed[]> => unwrap(await api.GET("/api/calendar/feeds")).items,
  });
}

export function useCreateCalendarFeed() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (name: string) => unwrap(await api.POST("/api/calendar/feeds", { body: { name } })),
    onSuccess: (created) => {
      // The list never holds the URL (its secret): only the answer does, shown once.
      const { url: _url, ...feed } = created;
      client.setQueryData<CalendarFeed[]>(settingsKeys.calendarFeeds, (feeds) => [...(feeds ?? []), feed]);
      void client.invalidateQueries({ queryKey: settingsKeys.calendarFeeds });
    },
  });
}

export function useRevokeCalendarFeed() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) => {
      unwrap(await api.DELETE("/api/calendar/feeds/{feed_id}", { params: { path: { feed_id: id } } }));
      return id;
    },
    onSuccess: (id) => {
      client.setQueryData<CalendarFeed[]>(settingsKeys.calendarFeeds, (feeds) => feeds?.filter((f) => f.id !== id));
    },
    onSettled: () => void client.invalidateQueries({ queryKey: settingsKeys.calendarFeeds }),
  });
}

export function usePersonalTokens() {
  return useQuery({
    queryKey: settingsKeys.tokens,
    queryFn: async (): Promise<PersonalToken[]> => unwrap(await api.GET("/api/auth/tokens")).items,
  });
}

export function useCreatePersonalToken() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (body: PersonalTokenCreate) => unwrap(await api.POST("/api/auth/tokens", { body })),
    onSuccess: (created) => {
      // The list never holds the secret: only the answer does, shown once.
      const { token: _token, ...token } = created;
      client.setQueryData<PersonalToken[]>(settingsKeys.tokens, (tokens) => [...(tokens ?? []), token]);
      void client.invalidateQueries({ queryKey: settingsKeys.tokens });
    },
  });
}

export function useRevokePersonalToken() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) => {
      unwrap(await api.DELETE("/api/auth/tokens/{token_id}", { params: { path: { token_id: id } } }));
      return id;
    },
    onSuccess: (id) => {
      client.setQueryData<PersonalToken[]>(settingsKeys.tokens, (tokens) => tokens?.filter((t) => t.id !== id));
    },
    onSettled: () => void client.invalidateQueries({ queryKey: settingsKeys.tokens }),
  });
}
