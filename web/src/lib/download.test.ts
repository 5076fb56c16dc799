import { describe, expect, it } from "vitest";

import { filenameFromDisposition } from "./download";

describe("filenameFromDisposition", () => {
  it("reads a quoted filename", () => {
    expect(filenameFromDisposition('attachment; filename="Launch plan.csv"', "x")).toBe("Launch plan.csv");
  });

  it("reads a bare filename", () => {
    expect(filenameFromDisposition("attachment; filename=plan.json", "x")).toBe("plan.json");
  });

  it("prefers the UTF-8 filename* over the ASCII one", () => {
    const header = `attachment; filename="Caf_ plan.json"; filename*=UTF-8''Caf%C3%A9%20plan.json`;
    expect(filenameFromDisposition(header, "x")).toBe("Café plan.json");
  });

  it("unescapes quotes inside a quoted filename", () => {
    expect(filenameFromDisposition('attachment; filename="The \\"big\\" one.csv"', "x")).toBe('The "big" one.csv');
  });

  it("keeps a name from becoming a path", () => {
    expect(filenameFromDisposition('attachment; filename="../a/b.csv"', "x")).toBe(".._a_b.csv");
  });

  it("falls back when there is no header, no filename, or a broken encoding", () => {
    expect(filenameFromDisposition(null, "project.json")).toBe("project.json");
    expect(filenameFromDisposition("attachment", "project.json")).toBe("project.json");
    expect(filenameFromDisposition("attachment; filename*=UTF-8''%E0%A4%A", "project.json")).toBe("project.json");
  });
});
