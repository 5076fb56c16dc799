import { describe, expect, it } from "vitest";

import { insertMention, mentionAt, mentionMatches } from "./mentions";

const members = [
  { user_id: "1", display_name: "Ben Costa", email: "ben@example.com" },
  { user_id: "2", display_name: "Ana Lima", email: "ana@example.com" },
  { user_id: "3", display_name: "Bea Brown", email: "bb@example.com" },
];

describe("mentionAt", () => {
  it("finds the mention the caret is in, spaces and all", () => {
    expect(mentionAt("hi @Be", 6)).toEqual({ start: 3, query: "Be" });
    expect(mentionAt("@", 1)).toEqual({ start: 0, query: "" });
    expect(mentionAt("(@Ben Co", 8)).toEqual({ start: 1, query: "Ben Co" });
  });

  it("ignores an address, a line break and a space right after the @", () => {
    expect(mentionAt("mail ben@exa", 12)).toBeUndefined();
    expect(mentionAt("@Ben\nnext", 9)).toBeUndefined();
    expect(mentionAt("@ Ben", 5)).toBeUndefined();
  });
});

describe("mentionMatches", () => {
  it("ranks names starting with the query before later words and addresses", () => {
    expect(mentionMatches(members, "b").map((m) => m.display_name)).toEqual(["Bea Brown", "Ben Costa"]);
    expect(mentionMatches(members, "lim").map((m) => m.display_name)).toEqual(["Ana Lima"]);
    expect(mentionMatches(members, "ana@").map((m) => m.display_name)).toEqual(["Ana Lima"]);
    expect(mentionMatches(members, "zed")).toEqual([]);
    expect(mentionMatches(members, "")).toHaveLength(3);
  });
});

describe("insertMention", () => {
  it("replaces the query with @Display Name and a space, caret after it", () => {
    const text = "hi @be please";
    expect(insertMention(text, { start: 3, query: "be" }, 6, "Ben Costa")).toEqual({
      text: "hi @Ben Costa please",
      caret: 14,
    });
  });
});
