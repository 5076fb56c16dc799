// Where a link to another task goes from the panel: the panel on this page (a subtask, a task in
// the same project, any task in My work or search), or that task's project page when it belongs
// to another project than the one on screen.
import { useLocation } from "react-router";

export function useTaskHref(): (task: { id: string; project_id: string }) => string {
  const { pathname, search } = useLocation();
  return (task) => {
    const onProject = /^\/projects\/([^/]+)/.exec(pathname)?.[1];
    if (onProject && onProject !== task.project_id) {
      return `/projects/${task.project_id}?task=${encodeURIComponent(task.id)}`;
    }
    const params = new URLSearchParams(search);
    params.set("task", task.id);
    return `${pathname}?${params.toString()}`;
  };
}
