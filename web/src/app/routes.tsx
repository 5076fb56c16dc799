import { Suspense, lazy, type ReactNode } from "react";
import { Navigate, Outlet, createBrowserRouter, useLocation } from "react-router";

import { useProjects } from "../api/queries";
import { ErrorState, Spinner } from "../components/States";
import { ProjectActivityPage } from "../features/activity/ProjectActivityPage";
import { TaskTimeline } from "../features/activity/TaskTimeline";
import { SignInPage } from "../features/auth/SignInPage";
import { SignUpPage } from "../features/auth/SignUpPage";
import { MyWorkPage } from "../features/mywork/MyWorkPage";
import { SearchPage } from "../features/mywork/SearchPage";
import { NotificationsPage } from "../features/notifications/NotificationsPage";
import { ProjectSettingsPage } from "../features/projects/ProjectSettingsPage";
import { NotificationSettingsPage } from "../features/settings/NotificationSettingsPage";
import { SettingsPage } from "../features/settings/SettingsPage";
import { ProjectTasksPage } from "../features/tasks/ProjectTasksPage";
import { QuickAdd } from "../features/tasks/QuickAdd";
import { TaskDetail } from "../features/tasks/TaskDetail";
import { TaskRows } from "../features/tasks/TaskRows";
import { TaskRedirect } from "../features/tasks/TaskRedirect";
import { useChangeTask } from "../features/tasks/useChangeTask";
import { useSession } from "../lib/auth";
import { TaskTimelineProvider } from "../lib/taskTimeline";
import { TaskViewsProvider, type TaskViews } from "../lib/taskViews";
import { AppShell } from "./AppShell";

function RequireSignedIn() {
  const { status } = useSession();
  const location = useLocation();
  if (status === "checking") return <Spinner label="Signing you in" />;
  if (status === "signed-out")
    return <Navigate to="/signin" replace state={{ from: location.pathname + location.search }} />;
  return <Outlet />;
}

function RequireSignedOut() {
  const { status } = useSession();
  const location = useLocation();
  if (status === "checking") return <Spinner label="Loading" />;
  // Signing in leads back to the page that sent here (where SignInPage goes too).
  const from = (location.state as { from?: string } | null)?.from ?? "/";
  return status === "signed-in" ? <Navigate to={from} replace /> : <Outlet />;
}

/** Home is the first project (the Inbox every account has). */
function Home() {
  const projects = useProjects();
  if (projects.isPending) return <Spinner label="Loading projects" />;
  if (projects.isError) return <ErrorState error={projects.error} onRetry={() => void projects.refetch()} />;
  const first = projects.data.find((p) => p.is_inbox) ?? projects.data[0];
  return first ? <Navigate to={`/projects/${first.id}`} replace /> : <Spinner label="Loading projects" />;
}

function NotFound() {
  return (
    <div className="p-8">
      <h1 className="text-xl font-semibold">Page not found</h1>
      <p className="mt-2 text-ink-soft">There is nothing at this address.</p>
    </div>
  );
}

// The calendar loads when first shown; it moves tasks through the tasks feature's changeTask.
const CalendarPage = lazy(() => import("../features/calendar/CalendarPage").then((m) => ({ default: m.CalendarPage })));

function CalendarRoute() {
  const changeTask = useChangeTask();
  return (
    <Suspense fallback={<Spinner label="Loading the calendar" />}>
      <CalendarPage changeTask={changeTask} />
    </Suspense>
  );
}

// Pages few visits need load when first shown, each from a chunk of its own.
const ForgotPasswordPage = lazy(() =>
  import("../features/auth/PasswordResetPages").then((m) => ({ default: m.ForgotPasswordPage })),
);
const ResetPasswordPage = lazy(() =>
  import("../features/auth/PasswordResetPages").then((m) => ({ default: m.ResetPasswordPage })),
);
const VerifyEmailPage = lazy(() =>
  import("../features/auth/VerifyEmailPage").then((m) => ({ default: m.VerifyEmailPage })),
);
const ImportPage = lazy(() => import("../features/imports/ImportPage").then((m) => ({ default: m.ImportPage })));

function Loading({ children }: { children: ReactNode }) {
  return <Suspense fallback={<Spinner label="Loading" />}>{children}</Suspense>;
}

// My tasks, Today, Upcoming and search (features/mywork) show tasks with the tasks feature's parts.
const TASK_VIEWS: TaskViews = { TaskRows, TaskPanel: TaskDetail, QuickAdd };

export const router = createBrowserRouter([
  // An e-mailed account link works whether or not this browser is signed in.
  {
    path: "/forgot-password",
    element: (
      <Loading>
        <ForgotPasswordPage />
      </Loading>
    ),
  },
  {
    path: "/reset-password",
    element: (
      <Loading>
        <ResetPasswordPage />
      </Loading>
    ),
  },
  {
    path: "/verify-email",
    element: (
      <Loading>
        <VerifyEmailPage />
      </Loading>
    ),
  },
  {
    element: <RequireSignedOut />,
    children: [
      { path: "/signin", element: <SignInPage /> },
      { path: "/signup", element: <SignUpPage /> },
    ],
  },
  {
    element: <RequireSignedIn />,
    children: [
      {
        // The task panel (features/tasks) shows each task's history (features/activity).
        element: (
          <TaskTimelineProvider value={TaskTimeline}>
            <TaskViewsProvider value={TASK_VIEWS}>
              <AppShell />
            </TaskViewsProvider>
          </TaskTimelineProvider>
        ),
        children: [
          { index: true, element: <Home /> },
          { path: "/projects/:projectId", element: <ProjectTasksPage /> },
          { path: "/projects/:projectId/settings", element: <ProjectSettingsPage /> },
          { path: "/projects/:projectId/activity", element: <ProjectActivityPage /> },
          { path: "/tasks/:taskId", element: <TaskRedirect /> },
          { path: "/my", element: <MyWorkPage view="my" /> },
          { path: "/today", element: <MyWorkPage view="today" /> },
          { path: "/upcoming", element: <MyWorkPage view="upcoming" /> },
          { path: "/search", element: <SearchPage /> },
          { path: "/calendar", element: <CalendarRoute /> },
          {
            path: "/import/:importId?",
            element: (
              <Loading>
                <ImportPage />
              </Loading>
            ),
          },
          { path: "/notifications", element: <NotificationsPage /> },
          { path: "/settings", element: <SettingsPage /> },
          { path: "/settings/notifications", element: <NotificationSettingsPage /> },
          { path: "*", element: <NotFound /> },
        ],
      },
    ],
  },
]);
