import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { LINK_REL, matchMention, renderMarkdown } from "../lib/markdown";
import { Markdown } from "./Markdown";

/** The rendered HTML as a detached element, to look into. */
function rendered(source: string, mentionable: string[] = []): HTMLElement {
  const box = document.createElement("div");
  box.innerHTML = renderMarkdown(source, mentionable);
  return box;
}

describe("renderMarkdown", () => {
  it("renders emphasis, lists and code", () => {
    const box = rendered("**bold** and _soft_\n\n- one\n- two\n\n`code`");
    expect(box.querySelector("strong")?.textContent).toBe("bold");
    expect(box.querySelector("em")?.textContent).toBe("soft");
    expect(box.querySelectorAll("li")).toHaveLength(2);
    expect(box.querySelector("code")?.textContent).toBe("code");
  });

  it("shows a script tag as text and never as an element", () => {
    const box = rendered("hello <script>alert(1)</script>");
    expect(box.querySelector("script")).toBeNull();
    expect(box.textContent).toContain("<script>alert(1)</script>");
  });

  it("shows raw HTML as text: no element, no event handler, no style", () => {
    const box = rendered('<img src=x onerror="alert(1)">\n\n<div style="color:red">red</div>\n\n<b>bold</b>');
    expect(box.querySelector("img, div, b, [onerror], [style]")).toBeNull();
    expect(box.textContent).toContain('<img src=x onerror="alert(1)">');
    expect(box.textContent).toContain("<b>bold</b>");
  });

  it("drops javascript: and data: links, keeping their text", () => {
    const box = rendered("[click](javascript:alert(1)) [data](data:text/html,hi) [vb](VBScript:x)");
    for (const link of box.querySelectorAll("a")) expect(link.hasAttribute("href")).toBe(false);
    expect(box.innerHTML).not.toMatch(/javascript:|data:|vbscript:/i);
    expect(box.textContent).toContain("click");
  });

  it("opens links in a new tab with rel noopener noreferrer nofollow", () => {
    const box = rendered("[docs](https://example.com/docs) and https://example.org/bare and <mailto:ana@example.com>");
    const links = [...box.querySelectorAll("a")];
    expect(links.map((link) => link.getAttribute("href"))).toEqual([
      "https://example.com/docs",
      "https://example.org/bare",
      "mailto:ana@example.com",
    ]);
    for (const link of links) {
      expect(link.getAttribute("target")).toBe("_blank");
      expect(link.getAttribute("rel")).toBe(LINK_REL);
    }
  });

  it("turns an image into a link, loading nothing", () => {
    const box = rendered("![the plan](https://example.com/plan.png)");
    expect(box.querySelector("img")).toBeNull();
    const link = box.querySelector("a");
    expect(link?.textContent).toBe("the plan");
    expect(link?.getAttribute("href")).toBe("https://example.com/plan.png");
  });

  it("marks members' @mentions, the longest name first, case-insensitively", () => {
    const box = rendered("Thanks @ben costa and @Ben, ping @Ana Lima.", ["Ben", "Ben Costa", "Ana Lima"]);
    const mentions = [...box.querySelectorAll("span.mention")].map((span) => span.textContent);
    expect(mentions).toEqual(["@ben costa", "@Ben", "@Ana Lima"]);
  });

  it("does not mark a name that is not a member's, or one cut mid-word", () => {
    const box = rendered("@Eve and @Benjamin", ["Ben"]);
    expect(box.querySelector(".mention")).toBeNull();
  });

  it("keeps an e-mail address a link rather than a mention", () => {
    const box = rendered("write to ben@example.com", ["example.com", "Ben"]);
    expect(box.querySelector(".mention")).toBeNull();
    expect(box.querySelector("a")?.getAttribute("href")).toBe("mailto:ben@example.com");
  });

  it("marks a mention by a member's address", () => {
    const box = rendered("cc @ben@example.com", ["Ben", "ben@example.com"]);
    expect(box.querySelector(".mention")?.textContent).toBe("@ben@example.com");
  });
});

describe("matchMention", () => {
  it("answers the longest handle ending at a non-word character", () => {
    expect(matchMention("@Ana Lima, hi", ["Ana", "Ana Lima"])).toBe("Ana Lima");
    expect(matchMention("@Anabel", ["Ana"])).toBeUndefined();
    expect(matchMention("Ana", ["Ana"])).toBeUndefined();
  });
});

describe("Markdown", () => {
  it("renders a clickable link once the renderer has loaded", async () => {
    render(<Markdown source="See [docs](https://example.com/docs)" />);
    const link = await screen.findByRole("link", { name: "docs" });
    expect(link).toHaveAttribute("href", "https://example.com/docs");
    expect(link).toHaveAttribute("target", "_blank");
    expect(link).toHaveAttribute("rel", "noopener noreferrer nofollow");
  });
});
