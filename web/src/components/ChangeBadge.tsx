// Who just changed something (a small badge by a card, row or comment while its mark lasts);
// the whole sentence ("Ana moved this to Done") is its tooltip and what a screen reader reads.
import type { ChangeMark } from "../lib/liveMarks";

export function ChangeBadge({ mark }: { mark: ChangeMark }) {
  return (
    <span
      title={mark.text}
      className="inline-flex max-w-32 shrink-0 items-center truncate rounded-full bg-accent-600 px-1.5 py-px text-[11px] font-medium leading-4 text-white"
    >
      <span aria-hidden="true" className="truncate">
        {mark.by}
      </span>
      <span className="sr-only">{mark.text}</span>
    </span>
  );
}
