// The reporter module given to `node --test --test-reporter=...`: node loads reporters before the
// --import hooks apply, so this loads the TypeScript reporter (summaryReporter.ts) through tsx's API.
import { tsImport } from "tsx/esm/api";

const { summaryReporter } = await tsImport("./summaryReporter.ts", import.meta.url);
export default summaryReporter;
