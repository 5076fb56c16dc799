// @vitest-environment node
// The lint config catches what it is there to catch: each case lints a few lines as if they were
// a file at that path, so a rule that silently stopped matching (a moved folder, a resolver that no
// longer finds .ts files) fails here rather than letting violations through.
import { fileURLToPath } from "node:url";

import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const eslint = new ESLint({ cwd: fileURLToPath(new URL(".", import.meta.url)) });

async function ruleIdsFor(filePath: string, code: string): Promise<(string | null)[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((message) => message.ruleId);
}

describe("the lint config", () => {
  it("reports a feature that imports another feature", async () => {
    const code =
      'import { ProjectSidebar } from "../projects/ProjectSidebar";\n\nexport const Sidebar = ProjectSidebar;\n';
    expect(await ruleIdsFor("src/features/tasks/Example.ts", code)).toEqual(["import-x/no-restricted-paths"]);
  });

  it("reports shared code that imports a feature", async () => {
    const code = 'import { TaskCard } from "../features/tasks/TaskCard";\n\nexport const Card = TaskCard;\n';
    expect(await ruleIdsFor("src/components/Example.tsx", code)).toEqual(["import-x/no-restricted-paths"]);
  });

  it("reports a feature that imports the app", async () => {
    const code = 'import { App } from "../../app/App";\n\nexport const Root = App;\n';
    expect(await ruleIdsFor("src/features/auth/Example.tsx", code)).toEqual(["import-x/no-restricted-paths"]);
  });

  it("reports an effect that leaves out a dependency", async () => {
    const code = [
      'import { useEffect } from "react";',
      "",
      "export function useTitle(title: string) {",
      "  useEffect(() => {",
      "    document.title = title;",
      "  }, []);",
      "}",
      "",
    ].join("\n");
    expect(await ruleIdsFor("src/hooks/useTitle.ts", code)).toEqual(["react-hooks/exhaustive-deps"]);
  });

  it("passes a feature file that imports only its own feature and shared code", async () => {
    const code = [
      'import { useEffect } from "react";',
      "",
      'import { useModal } from "../../hooks/useModal";',
      'import { useTask } from "./api";',
      "",
      "export function useOpenWhenLoaded(taskId: string) {",
      "  const task = useTask(taskId);",
      "  const { show } = useModal();",
      "  useEffect(() => {",
      "    if (task.data) show();",
      "  }, [task.data, show]);",
      "}",
      "",
    ].join("\n");
    expect(await ruleIdsFor("src/features/tasks/Example.ts", code)).toEqual([]);
  });
});
