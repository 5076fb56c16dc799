// The board: one column per status; dragging a card (mouse, touch or keyboard) or picking
// "Move to" on it changes the task's status, optimistically.
import {
  DndContext,
  DragOverlay,
  KeyboardSensor,
  PointerSensor,
  TouchSensor,
  pointerWithin,
  rectIntersection,
  useSensor,
  useSensors,
  type Announcements,
  type CollisionDetection,
  type DragEndEvent,
  type DragStartEvent,
  type KeyboardCoordinateGetter,
  type PointerSensorOptions,
  type UniqueIdentifier,
} from "@dnd-kit/core";
import { useCallback, useMemo, useRef, useState, type PointerEvent as ReactPointerEvent } from "react";

import { useMembers } from "../../api/queries";
import { STATUSES, type TaskStatus } from "../../api/vocabulary";
import { statusLabel } from "../../lib/labels";
import { useUpdateTask, type Task, type TaskQuery } from "./api";
import { BoardColumn } from "./BoardColumn";
import { CardBody } from "./TaskCard";

// A column is a drop target whose id is its status.
const columnLabel = (id: UniqueIdentifier): string => STATUSES.find((s) => s.value === id)?.label ?? String(id);

// Mouse and pen drag after a few pixels (so a click still opens the card); touch has its own
// sensor below, with a long press, so a swipe still scrolls the board.
class FinePointerSensor extends PointerSensor {
  static override activators = [
    {
      eventName: "onPointerDown" as const,
      handler: ({ nativeEvent: event }: ReactPointerEvent, { onActivation }: PointerSensorOptions) => {
        if (!event.isPrimary || event.button !== 0 || event.pointerType === "touch") return false;
        onActivation?.({ event });
        return true;
      },
    },
  ];
}

/** Arrow keys jump a lifted card to the column on the left or right (up/down do nothing: a
 * column's order comes from the sort, not from where a card is dropped). */
export const columnCoordinates: KeyboardCoordinateGetter = (event, { context }) => {
  if (event.code !== "ArrowRight" && event.code !== "ArrowLeft") {
    if (event.code === "ArrowUp" || event.code === "ArrowDown") event.preventDefault();
    return undefined;
  }
  const { collisionRect, droppableRects, droppableContainers, over, active } = context;
  if (!collisionRect) return undefined;
  const columns = droppableContainers
    .getEnabled()
    .flatMap((container) => {
      const rect = droppableRects.get(container.id);
      return rect ? [{ id: container.id, rect }] : [];
    })
    .sort((a, b) => a.rect.left - b.rect.left);
  const start = active ? taskOf(active.data)?.status : undefined;
  let index = columns.findIndex((column) => column.id === (over?.id ?? start));
  if (index < 0) index = 0;
  const target = columns[index + (event.code === "ArrowRight" ? 1 : -1)];
  if (!target) return undefined;
  return {
    x: target.rect.left + (target.rect.width - collisionRect.width) / 2,
    y: Math.min(
      Math.max(collisionRect.top, target.rect.top),
      target.rect.top + Math.max(0, target.rect.height - collisionRect.height),
    ),
  };
};

// Where the pointer is, when there is one; otherwise (keyboard) the column the card overlaps most.
const collision: CollisionDetection = (args) => {
  const within = args.pointerCoordinates ? pointerWithin(args) : [];
  return within.length ? within : rectIntersection(args);
};

function taskOf(data: { current?: Record<string, unknown> | undefined } | undefined): Task | undefined {
  return data?.current?.task as Task | undefined;
}

export function TaskBoard({
  projectId,
  query,
  onOpen,
}: {
  projectId: string;
  query: TaskQuery;
  onOpen: (taskId: string) => void;
}) {
  const update = useUpdateTask();
  const members = useMembers(projectId);
  const names = useMemo(
    () => new Map((members.data ?? []).map((member) => [member.user_id, member.display_name])),
    [members.data],
  );
  const [active, setActive] = useState<Task | null>(null);
  const [pending, setPending] = useState<ReadonlySet<string>>(new Set());
  // The card to focus once it shows up in its new column (keyboard users keep their place).
  const focusAfterMove = useRef<string | null>(null);

  const sensors = useSensors(
    useSensor(FinePointerSensor, { activationConstraint: { distance: 6 } }),
    useSensor(TouchSensor, { activationConstraint: { delay: 250, tolerance: 8 } }),
    useSensor(KeyboardSensor, { coordinateGetter: columnCoordinates }),
  );

  const move = useCallback(
    (task: Task, status: TaskStatus, refocus: boolean) => {
      if (status === task.status) return;
      if (refocus) focusAfterMove.current = task.id;
      setPending((ids) => new Set(ids).add(task.id));
      update.mutate(
        { task, changes: { status } },
        {
          onSettled: () =>
            setPending((ids) => {
              const next = new Set(ids);
              next.delete(task.id);
              return next;
            }),
        },
      );
    },
    [update],
  );

  const announcements: Announcements = useMemo(
    () => ({
      onDragStart: ({ active: dragged }) => {
        const task = taskOf(dragged.data);
        return task ? `Picked up task ${task.title} in ${statusLabel(task.status)}.` : undefined;
      },
      onDragOver: ({ active: dragged, over }) => {
        const task = taskOf(dragged.data);
        if (!task) return undefined;
        return over
          ? `Task ${task.title} is over ${columnLabel(over.id)}.`
          : `Task ${task.title} is not over a column.`;
      },
      onDragEnd: ({ active: dragged, over }) => {
        const task = taskOf(dragged.data);
        if (!task) return undefined;
        return over && over.id !== task.status
          ? `Task ${task.title} was moved to ${columnLabel(over.id)}.`
          : `Task ${task.title} was dropped back in ${statusLabel(task.status)}.`;
      },
      onDragCancel: ({ active: dragged }) => {
        const task = taskOf(dragged.data);
        return task ? `Moving was cancelled. Task ${task.title} stays in ${statusLabel(task.status)}.` : undefined;
      },
    }),
    [],
  );

  function onDragStart({ active: dragged }: DragStartEvent) {
    setActive(taskOf(dragged.data) ?? null);
  }

  function onDragEnd({ active: dragged, over, activatorEvent }: DragEndEvent) {
    setActive(null);
    const task = taskOf(dragged.data);
    if (task && over) move(task, over.id as TaskStatus, activatorEvent instanceof KeyboardEvent);
  }

  return (
    <DndContext
      sensors={sensors}
      collisionDetection={collision}
      onDragStart={onDragStart}
      onDragEnd={onDragEnd}
      onDragCancel={() => setActive(null)}
      accessibility={{
        announcements,
        screenReaderInstructions: {
          draggable:
            "To move this task, press Space or Enter to pick it up, the left and right arrow keys to choose a column, and Space or Enter to drop it there. Escape cancels. The Move to menu on each card does the same.",
        },
      }}
    >
      {/* relative: the cards' screen-reader-only text is positioned absolutely and must be
          clipped by this scroller, or it widens the page on phones. */}
      <div className="relative -mx-4 flex snap-x snap-mandatory gap-3 overflow-x-auto px-4 pb-4 sm:mx-0 sm:snap-none sm:px-0">
        {STATUSES.map(({ value, label }) => (
          <BoardColumn
            key={value}
            status={value}
            label={label}
            query={{ ...query, project_id: projectId, status: [value] }}
            names={names}
            pending={pending}
            onOpen={onOpen}
            onMove={move}
            focusAfterMove={focusAfterMove}
          />
        ))}
      </div>
      <DragOverlay dropAnimation={null}>
        {active ? (
          <div
            data-drag-preview
            className="rotate-2 cursor-grabbing rounded-lg border border-accent-500 bg-surface p-3 shadow-xl"
          >
            <CardBody task={active} assignee={active.assignee_id ? names.get(active.assignee_id) : undefined} />
          </div>
        ) : null}
      </DragOverlay>
    </DndContext>
  );
}
