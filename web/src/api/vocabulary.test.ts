// The vocabulary (generated from the contract's names) and the OpenAPI document (generated from
// the API) must agree: every screen takes its statuses, priorities and roles from the vocabulary.
import { describe, expect, expectTypeOf, it } from "vitest";

import openapiText from "../../openapi.json?raw";
import type { Schemas } from "./client";
import { PRIORITIES, ROLES, STATUSES, type Role, type TaskPriority, type TaskStatus } from "./vocabulary";

interface EnumProperty {
  enum: string[];
}
const schemas = (
  JSON.parse(openapiText) as { components: { schemas: Record<string, { properties: Record<string, EnumProperty> }> } }
).components.schemas;
const allowed = (schema: string, property: string) => schemas[schema]?.properties[property]?.enum;
const values = (names: readonly { value: string }[]) => names.map((name) => name.value);

describe("the generated vocabulary", () => {
  it("has the same types as the OpenAPI schema", () => {
    expectTypeOf<TaskStatus>().toEqualTypeOf<Schemas["TaskPublic"]["status"]>();
    expectTypeOf<TaskPriority>().toEqualTypeOf<Schemas["TaskPublic"]["priority"]>();
    expectTypeOf<Role>().toEqualTypeOf<Schemas["MemberPublic"]["role"]>();
    expectTypeOf<Role>().toEqualTypeOf<Schemas["ProjectPublic"]["role"]>();
  });

  it("lists every value the API accepts, once, with a label", () => {
    expect(values(STATUSES).toSorted()).toEqual(allowed("TaskPublic", "status")?.toSorted());
    expect(values(PRIORITIES).toSorted()).toEqual(allowed("TaskPublic", "priority")?.toSorted());
    expect(values(ROLES).toSorted()).toEqual(allowed("MemberPublic", "role")?.toSorted());
    for (const name of [...STATUSES, ...PRIORITIES, ...ROLES]) expect(name.label.trim()).not.toBe("");
  });
});
