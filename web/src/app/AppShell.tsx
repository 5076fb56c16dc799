// The signed-in frame: header (menu, bell, account), project sidebar, and the page.
import { useEffect, useState } from "react";
import { Link, NavLink, Outlet, useLocation, useNavigate } from "react-router";

import { Button } from "../components/Button";
import { CommandPaletteButton, KeyboardShortcuts } from "../features/keyboard/KeyboardShortcuts";
import { LiveNotifications } from "../features/notifications/LiveNotifications";
import { NotificationBell } from "../features/notifications/NotificationBell";
import { ProjectSidebar } from "../features/projects/ProjectSidebar";
import { useChangeTask } from "../features/tasks/useChangeTask";
import { useSession, useUser } from "../lib/auth";
import { useTeamChanges } from "./useTeamChanges";

export function AppShell() {
  const user = useUser();
  const { signOut } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const teamChanges = useTeamChanges();
  // Shortcuts and the command palette change tasks through the tasks feature.
  const changeTask = useChangeTask();

  // On a phone the sidebar is a drawer: close it once the user has gone somewhere.
  useEffect(() => setMenuOpen(false), [location.pathname]);

  async function leave() {
    await signOut();
    void navigate("/signin", { replace: true });
  }

  return (
    <div className="flex h-full flex-col">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-surface focus:p-2"
      >
        Skip to content
      </a>
      <LiveNotifications {...teamChanges} />
      <KeyboardShortcuts changeTask={changeTask} />
      <header className="flex h-14 shrink-0 items-center gap-3 border-b border-line bg-surface px-3 sm:px-4">
        <Button
          variant="ghost"
          className="md:hidden"
          aria-label={menuOpen ? "Close projects" : "Open projects"}
          aria-expanded={menuOpen}
          aria-controls="sidebar"
          onClick={() => setMenuOpen((open) => !open)}
        >
          <svg viewBox="0 0 20 20" className="size-5" aria-hidden="true" fill="currentColor">
            <path d="M3 5h14v2H3zm0 4h14v2H3zm0 4h14v2H3z" />
          </svg>
        </Button>
        <Link to="/" className="flex items-center gap-2 font-semibold tracking-tight">
          <img src="/favicon.svg" alt="" className="size-7" />
          <span>TaskFlow</span>
        </Link>
        <div className="ml-auto flex items-center gap-1 sm:gap-2">
          <CommandPaletteButton />
          <NotificationBell />
          <NavLink
            to="/settings"
            className="hidden rounded-md px-2 py-1.5 text-sm text-ink-soft hover:bg-muted hover:text-ink sm:block"
            title="Your settings"
          >
            {user.display_name}
          </NavLink>
          <NavLink
            to="/settings"
            aria-label="Settings"
            className="rounded-md p-2 text-ink-soft hover:bg-muted hover:text-ink sm:hidden"
          >
            <svg viewBox="0 0 20 20" className="size-5" aria-hidden="true" fill="currentColor">
              <path d="M10 6.5a3.5 3.5 0 1 0 0 7 3.5 3.5 0 0 0 0-7Zm8 4.6v-2.2l-2.1-.5a6 6 0 0 0-.6-1.4l1.1-1.8-1.6-1.6-1.8 1.1a6 6 0 0 0-1.4-.6L11.1 2H8.9l-.5 2.1a6 6 0 0 0-1.4.6L5.2 3.6 3.6 5.2l1.1 1.8a6 6 0 0 0-.6 1.4L2 8.9v2.2l2.1.5c.1.5.3 1 .6 1.4l-1.1 1.8 1.6 1.6 1.8-1.1c.4.3.9.5 1.4.6l.5 2.1h2.2l.5-2.1c.5-.1 1-.3 1.4-.6l1.8 1.1 1.6-1.6-1.1-1.8c.3-.4.5-.9.6-1.4l2.1-.5Z" />
            </svg>
          </NavLink>
          <Button variant="secondary" onClick={() => void leave()}>
            Sign out
          </Button>
        </div>
      </header>
      <div className="flex min-h-0 flex-1">
        <nav
          id="sidebar"
          aria-label="Projects"
          className={`${menuOpen ? "fixed inset-0 top-14 z-40 block" : "hidden"} w-full shrink-0 overflow-y-auto border-r border-line bg-surface md:static md:block md:w-64`}
        >
          <ProjectSidebar />
        </nav>
        <main id="main" className="min-w-0 flex-1 overflow-y-auto">
          <Outlet />
        </main>
      </div>
    </div>
  );
}
