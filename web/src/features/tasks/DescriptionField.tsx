// A task's description: written in a text area where @ offers the project's members, and shown
// below it as rendered Markdown (links clickable, mentions highlighted).
import { useId, useMemo, type ComponentProps } from "react";

import type { Member } from "../../api/queries";
import { Markdown } from "../../components/Markdown";
import { MentionTextArea } from "../../components/MentionTextArea";

type DescriptionFieldProps = Omit<ComponentProps<typeof MentionTextArea>, "members" | "label"> & {
  members: readonly Member[] | undefined;
};

export function DescriptionField({ members = [], value, ...props }: DescriptionFieldProps) {
  const previewId = useId();
  const mentionable = useMemo(() => members.flatMap((member) => [member.display_name, member.email]), [members]);
  return (
    <div className="space-y-2">
      <MentionTextArea label="Description" value={value} members={members} {...props} />
      {value.trim() ? (
        <section aria-labelledby={previewId} className="rounded-md border border-dashed border-line px-3 py-2">
          <h4 id={previewId} className="text-xs font-medium text-ink-soft">
            Preview
          </h4>
          <Markdown source={value} mentionable={mentionable} className="mt-1 text-sm text-ink" />
        </section>
      ) : null}
    </div>
  );
}
