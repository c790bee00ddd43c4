// ESLint for every TypeScript and JavaScript file of the repository: ESLint's and typescript-eslint's
// recommended rules, nothing switched off. `npm run lint` runs it; test/run-all.sh runs that.
//
// Not type-aware (typescript-eslint's recommendedTypeChecked): on this project's shared 2-core
// machine it took 3 min 3 s (56 s of CPU) against 26 s (14 s of CPU) for these rules, and its extra
// findings (3,300, most of them no-floating-promises on node:test's describe/test and
// no-unsafe-* on parsed JSON) would need a rewrite of the tests rather than a fix.
// @ts-check
import eslint from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config({ ignores: ["**/node_modules/", "out/", "bin/", "test-results/"] }, eslint.configs.recommended, tseslint.configs.recommended, {
    linterOptions: { reportUnusedDisableDirectives: "error" },
});
