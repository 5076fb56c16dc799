// Lint for the web app: TypeScript, the rules of hooks, and one-way imports
// (src/app -> src/features -> shared code; no feature reaches into another).
import { readdirSync } from "node:fs";
import { join } from "node:path";

import js from "@eslint/js";
import { createNodeResolver, importX } from "eslint-plugin-import-x";
import reactHooks from "eslint-plugin-react-hooks";
import { defineConfig, globalIgnores } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

const root = import.meta.dirname;
const SHARED = ["src/api", "src/components", "src/hooks", "src/lib", "src/test"];
// Every folder under src/features is a feature, so a new one is fenced in without editing this file.
const FEATURES = readdirSync(join(root, "src/features"), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

const importBoundaries = [
  ...FEATURES.map((feature) => ({
    target: `./src/features/${feature}`,
    from: "./src/features",
    except: [`./${feature}`],
    message:
      "A feature does not import another feature: move what both need to shared code (src/components, src/hooks, src/lib).",
  })),
  {
    target: SHARED.map((folder) => `./${folder}`),
    from: ["./src/features", "./src/app"],
    message: "Shared code imports no feature and not the app: pass what it needs in from the caller.",
  },
  {
    target: "./src/features",
    from: "./src/app",
    message: "Features do not import the app; the app composes the features.",
  },
];

export default defineConfig(
  globalIgnores(["dist", "node_modules", "test-output", "src/api/schema.d.ts", "src/api/vocabulary.ts"]),
  {
    files: ["**/*.{js,mjs,ts,tsx}"],
    // Syntax-only typescript-eslint rules: the type-aware set would triple the run time, and
    // `npm run typecheck` already holds the types.
    extends: [js.configs.recommended, tseslint.configs.recommended],
    rules: {
      // `const { secret: _secret, ...hook } = created` is how a field is left out of a copy.
      "@typescript-eslint/no-unused-vars": ["error", { ignoreRestSiblings: true }],
    },
  },
  {
    files: ["src/**/*.{ts,tsx}"],
    plugins: { "import-x": importX, "react-hooks": reactHooks },
    languageOptions: { globals: globals.browser },
    settings: {
      "import-x/resolver-next": [createNodeResolver({ extensions: [".ts", ".tsx", ".d.ts", ".js", ".json"] })],
    },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "error",
      "import-x/no-restricted-paths": ["error", { basePath: root, zones: importBoundaries }],
      // An import the resolver cannot follow would slip past the boundaries unchecked.
      "import-x/no-unresolved": "error",
    },
  },
  {
    files: ["*.{js,ts}", "scripts/**", "e2e/**"],
    languageOptions: { globals: globals.node },
  },
);
