import { describe, expect, it } from "vitest";

import openapiText from "../../openapi.json?raw";
import { characters, LIMITS, overLimit } from "./limits";

interface Schema {
  maxLength?: number;
  maxItems?: number;
  anyOf?: Schema[];
  items?: Schema;
  properties?: Record<string, Schema>;
}

const document = JSON.parse(openapiText) as {
  components: { schemas: Record<string, Schema> };
  paths: Record<string, Record<string, { parameters?: { name: string; schema: Schema }[] }>>;
};

function property(model: string, name: string): Schema {
  const schema = document.components.schemas[model]?.properties?.[name];
  if (!schema) throw new Error(`${model}.${name} is not in the document`);
  return schema.anyOf?.find((option) => option.maxLength ?? option.maxItems) ?? schema;
}

describe("limits", () => {
  it("are the API document's", () => {
    expect(property("TaskCreate", "title").maxLength).toBe(LIMITS.title);
    expect(property("TaskCreate", "description").maxLength).toBe(LIMITS.description);
    expect(property("CommentCreate", "body").maxLength).toBe(LIMITS.comment);
    expect(property("TaskCreate", "labels").items?.maxLength).toBe(LIMITS.label);
    expect(property("TaskCreate", "labels").maxItems).toBe(LIMITS.labels);
    expect(property("ProjectCreate", "name").maxLength).toBe(LIMITS.projectName);
    expect(property("ProjectCreate", "description").maxLength).toBe(LIMITS.projectDescription);
    expect(property("UserUpdate", "display_name").maxLength).toBe(LIMITS.displayName);
    expect(property("CalendarFeedCreate", "name").maxLength).toBe(LIMITS.calendarFeedName);
    expect(property("PersonalTokenCreate", "name").maxLength).toBe(LIMITS.tokenName);
    const search = document.paths["/api/tasks"]?.get?.parameters?.find((p) => p.name === "q")?.schema;
    expect(search?.anyOf?.find((option) => option.maxLength)?.maxLength).toBe(LIMITS.search);
  });

  it("count characters as the server does", () => {
    expect(characters("🎉🎉")).toBe(2);
    expect(characters("abc")).toBe(3);
  });

  it("state the length and the limit, and nothing within it", () => {
    expect(overLimit("Title", "x".repeat(512), LIMITS.title)).toBe("Title is 512 characters; the limit is 200.");
    expect(overLimit("Title", "x".repeat(200), LIMITS.title)).toBeUndefined();
    expect(overLimit("Comment", "x".repeat(10_001), LIMITS.comment)).toBe(
      "Comment is 10,001 characters; the limit is 10,000.",
    );
  });
});
