import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it } from "vitest";

import type { Member } from "../../api/queries";
import { DescriptionField } from "./DescriptionField";

const members: Member[] = [
  { user_id: "u1", email: "ana@example.com", display_name: "Ana Lima", role: "owner" } as Member,
  { user_id: "u2", email: "ben@example.com", display_name: "Ben Okafor", role: "editor" } as Member,
];

function Editor({ start = "" }: { start?: string }) {
  const [value, setValue] = useState(start);
  return <DescriptionField members={members} value={value} onValueChange={setValue} />;
}

describe("DescriptionField", () => {
  it("shows the description rendered below the text box, links and mentions included", async () => {
    render(<Editor start={"Ask @Ben Okafor, see [the brief](https://example.com/brief)\n\n<b>raw</b>"} />);
    const preview = screen.getByRole("region", { name: "Preview" });
    const link = await within(preview).findByRole("link", { name: "the brief" });
    expect(link).toHaveAttribute("rel", "noopener noreferrer nofollow");
    expect(preview.querySelector(".mention")).toHaveTextContent("@Ben Okafor");
    expect(preview.querySelector("b")).toBeNull();
    expect(preview).toHaveTextContent("<b>raw</b>");
  });

  it("offers the members after @ and has no preview while empty", async () => {
    const user = userEvent.setup({ delay: null });
    render(<Editor />);
    expect(screen.queryByRole("region", { name: "Preview" })).not.toBeInTheDocument();
    const box = screen.getByRole("combobox", { name: "Description" });
    await user.type(box, "For @an");
    await user.click(within(screen.getByRole("listbox")).getByRole("option", { name: /Ana Lima/ }));
    expect(box).toHaveValue("For @Ana Lima ");
    expect(box).toHaveFocus();
  });
});
