// Review fixes on issue 14, docs that tell the truth: the sample in docs/day2-diff.md ("The printed
// diff") is what `npm run plan --against` really prints for the change it describes (a gMSA
// account `billing` with `create: true` on dev), in the order it prints it (updates before
// creations). Both plans are written under a temp dir.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, test } from "node:test";
import YAML from "yaml";

const projectRoot = path.resolve(__dirname, "..");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "first-hour-review-docs-"));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

function plan(args: string[]) {
    const r = spawnSync(process.execPath, ["--import", "tsx", path.join(projectRoot, "tools", "plan.ts"), ...args], {
        cwd: projectRoot,
        encoding: "utf8",
        timeout: 240_000,
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    return r.stdout;
}

/** The fenced block right under a heading of a Markdown file. */
function blockUnder(markdown: string, heading: string): string {
    const at = markdown.indexOf(`\n${heading}\n`);
    assert.ok(at >= 0, `no heading ${heading}`);
    const block = /\n```[a-z]*\n([\s\S]*?)\n```/.exec(markdown.slice(at));
    assert.ok(block, `no code block under ${heading}`);
    return block[1];
}

test("docs/day2-diff.md's printed diff is the real output for its change, in the printed order", () => {
    const before = path.join(scratch, "before");
    plan(["--stack", "dev", "--out", before]);
    const document = YAML.parse(fs.readFileSync(path.join(projectRoot, "Pulumi.dev.yaml"), "utf8"));
    document.config["eks-gmsa:gmsa"].accounts.push({
        name: "billing",
        account: "BillingSvc",
        allowed: [{ namespace: "billing", serviceAccounts: ["invoicer"], create: true }],
    });
    const changed = path.join(scratch, "Pulumi.dev.yaml");
    fs.writeFileSync(changed, YAML.stringify(document));
    const printed = plan(["--config-file", changed, "--against", path.join(before, "plan.json"), "--out", path.join(scratch, "after")]).split("\n");
    const diff = printed.slice(
        printed.findIndex((l) => l.startsWith("diff: ")),
        printed.findIndex((l) => l.startsWith("note: ")) + 1,
    );
    assert.ok(diff.length > 2, printed.join("\n"));
    const documented = blockUnder(fs.readFileSync(path.join(projectRoot, "docs", "day2-diff.md"), "utf8"), "## The printed diff");
    assert.equal(documented, diff.join("\n"));
});
