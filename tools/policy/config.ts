// The project's own policy config (allow-lists), used by `npm run plan`, by `npm run policy`
// when no --config is given, and by `pulumi preview --policy-pack-config` in CI.
import * as path from "path";
import { defaultPackDir } from "./analyzer";

export const projectPolicyConfig = path.join(defaultPackDir, "policy-config.json");
