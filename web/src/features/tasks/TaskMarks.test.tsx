import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { aTask } from "../../test/liveChanges";
import { CardBody } from "./TaskCard";
import { TaskRow } from "./TaskList";
import { progressWords, repeatWords } from "./TaskMarks";

describe("a task's marks", () => {
  it("say its subtask progress and how it repeats", () => {
    expect(progressWords({ subtask_count: 0, subtasks_done: 0 })).toBeNull();
    expect(progressWords({ subtask_count: 1, subtasks_done: 0 })).toBe("0 of 1 subtask done");
    expect(progressWords({ subtask_count: 5, subtasks_done: 2 })).toBe("2 of 5 subtasks done");
    expect(repeatWords(null)).toBeNull();
    expect(repeatWords("FREQ=WEEKLY;BYDAY=MO")).toBe("Repeats every week on Monday");
    expect(repeatWords("FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU")).toBe("Repeats (FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU)");
  });

  it("show on a list row as 2/5 and a repeat icon, both read out", () => {
    const task = aTask({ subtask_count: 5, subtasks_done: 2, recurrence: "FREQ=DAILY" });
    render(
      <QueryClientProvider client={new QueryClient()}>
        <ul>
          <TaskRow task={task} member={undefined} selected={false} canEdit now={new Date()} onOpen={() => undefined} />
        </ul>
      </QueryClientProvider>,
    );
    const row = screen.getByRole("listitem");
    expect(within(row).getByText("2/5")).toBeInTheDocument();
    expect(within(row).getByText("2 of 5 subtasks done")).toHaveClass("sr-only");
    expect(within(row).getByText("Repeats every day")).toHaveClass("sr-only");
  });

  it("show on a board card, and a task without subtasks shows none", () => {
    const { rerender } = render(
      <CardBody
        task={aTask({ subtask_count: 3, subtasks_done: 3, recurrence: "FREQ=MONTHLY;BYMONTHDAY=1" })}
        assignee={undefined}
      />,
    );
    expect(screen.getByText("3/3")).toBeInTheDocument();
    expect(screen.getByTitle("Repeats every month on the 1st")).toBeInTheDocument();
    rerender(<CardBody task={aTask()} assignee={undefined} />);
    expect(screen.queryByText(/\d\/\d/)).not.toBeInTheDocument();
    expect(screen.queryByTitle(/^Repeats/)).not.toBeInTheDocument();
  });
});
