// Stable names for tooling (tools/harness, tools/plan, tools/review): the project's config namespace
// and its secret keys. Pure: importing this loads no config reader (settings/keysRead.ts does).
export { directoryAdminPasswordKey, portableIdentityPasswordKey, projectName, topLevelKeys } from "./schema";
