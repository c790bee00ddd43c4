// Writes what is generated from settings/schema: settings/pulumi-stack.schema.json, the key tables
// of docs/configuration.md and Pulumi.yaml's key list. Run after changing a declaration:
//   npx tsx settings/schema/generate.ts
import * as fs from "node:fs";
import * as path from "node:path";
import { stackSchemaText, withGeneratedComment, withGeneratedTables } from "./render";

const root = path.resolve(__dirname, "..", "..");
const write = (file: string, text: string) => {
    const full = path.join(root, file);
    if (fs.existsSync(full) && fs.readFileSync(full, "utf8") === text) return;
    fs.writeFileSync(full, text);
    console.log(`wrote ${file}`);
};
write("settings/pulumi-stack.schema.json", stackSchemaText());
write("docs/configuration.md", withGeneratedTables(fs.readFileSync(path.join(root, "docs", "configuration.md"), "utf8")));
write("Pulumi.yaml", withGeneratedComment(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")));
