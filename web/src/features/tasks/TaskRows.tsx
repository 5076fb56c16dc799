// Rows of tasks from any of the user's projects (My tasks, Today, Upcoming, search): each row as
// in a project's list, with the project's name, its members for the assignee, and the user's
// role there for whether the row's checkbox may be used.
import { useQueries } from "@tanstack/react-query";

import { membersQuery, useProjects, type Member } from "../../api/queries";
import type { TaskRowsProps } from "../../lib/taskViews";
import { TaskRow } from "./TaskList";

export function TaskRows({ tasks, label, selectedId, onOpen }: TaskRowsProps) {
  const projects = useProjects();
  const projectIds = [...new Set(tasks.map((task) => task.project_id))];
  const members = useQueries({ queries: projectIds.map(membersQuery) });
  const byProject = new Map(projectIds.map((id, index) => [id, members[index]?.data ?? []]));
  const projectOf = new Map((projects.data ?? []).map((project) => [project.id, project]));
  const now = new Date();
  const memberOf = (projectId: string, userId: string | null): Member | undefined =>
    userId ? byProject.get(projectId)?.find((member) => member.user_id === userId) : undefined;

  return (
    <div className="@container">
      <ul
        aria-label={label}
        className="divide-y divide-line overflow-hidden rounded-xl border border-line bg-surface shadow-xs"
      >
        {tasks.map((task) => {
          const project = projectOf.get(task.project_id);
          return (
            <TaskRow
              key={task.id}
              task={task}
              member={memberOf(task.project_id, task.assignee_id)}
              selected={task.id === selectedId}
              canEdit={project ? project.role !== "viewer" : false}
              now={now}
              onOpen={onOpen}
              projectName={project?.name}
            />
          );
        })}
      </ul>
    </div>
  );
}
