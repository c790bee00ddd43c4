// summary.md as a pull-request reviewer reads it (issue 14, item 4): what changes first, who may use
// which gMSA, what Active Directory must hold, the inventory last and collapsed; and the variant
// posted as the GitHub job summary, with no picture and no relative link.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { runStack } from "../tools/harness";
import { toPlan, type Plan } from "../tools/planFile";
import type { PolicyReport } from "../tools/policy/report";
import { explainDiff } from "../tools/review/diff";
import { renderSummary } from "../tools/review/summary";

const planOf = (stack: string): Plan => {
    const run = runStack({ stack });
    assert.deepEqual(run.errors, []);
    return toPlan("eks-gmsa", run);
};
const prod = planOf("prod");
const dev = planOf("dev");

const passed = (plan: Plan): PolicyReport => ({
    pack: { name: "eks-gmsa", version: "0.2.0" },
    plan: { project: plan.project, stack: plan.stack, resources: plan.resources.length },
    passed: true,
    summary: { mandatory: 0, advisory: 0 },
    policies: [{ name: "gmsa-rbac-scoped", enforcementLevel: "mandatory", description: "", violations: [] }],
});

/** The section headings, in order. */
const headings = (md: string): string[] => md.split("\n").filter((l) => l.startsWith("## "));
/** One section's text, up to the next heading. */
const section = (md: string, heading: string): string => {
    const start = md.indexOf(`\n## ${heading}\n`);
    assert.ok(start >= 0, `no section ${heading}`);
    const end = md.indexOf("\n## ", start + 1);
    return md.slice(start, end < 0 ? undefined : end);
};

describe("summary.md of prod (an existing directory), no baseline", () => {
    const md = renderSummary({ plan: prod, policyReport: passed(prod) });

    test("leads with what changes, then the gMSAs, then Active Directory; the inventory is last", () => {
        assert.deepEqual(headings(md), [
            "## What changes",
            "## Who may use which gMSA",
            "## Active Directory before the deploy",
            "## Policy report",
            "## Resources",
        ]);
        assert.match(section(md, "What changes"), /No baseline plan given .*: this is a first deploy, which creates all 106 resources/);
    });

    test("who may use which gMSA: credential spec -> gMSA -> namespace and service accounts, from the plan's RBAC", () => {
        const s = section(md, "Who may use which gMSA");
        assert.ok(s.includes("| `reports` | `ReportsSvc` | corp.example.com | `reporting` | `report-runner`, `report-scheduler` |"), s);
        assert.ok(s.includes("| `webapp01` | `WebApp01` | corp.example.com | `web` | `webapp` |"), s);
    });

    test("Active Directory: what must exist (gMSAs, readers' group, portable identity) and the npm run ad command that creates them", () => {
        const s = section(md, "Active Directory before the deploy");
        assert.match(s, /`corp\.example\.com` is an existing directory and this stack creates nothing in it/);
        for (const row of [
            "| gMSA | `ReportsSvc` |",
            "| gMSA | `WebApp01` |",
            "| readers' group | `eks-gmsa-readers` |",
            "| portable identity (user) | `gmsa-ccg-reader` |",
        ])
            assert.ok(s.includes(row), row);
        assert.ok(
            s.includes(
                "npm run ad -- provision --url ldap://10.10.0.10 --user 'CORP\\<admin>' \\\n" +
                    "    --account ReportsSvc --account WebApp01 --group eks-gmsa-readers --identity-user gmsa-ccg-reader --owner eks-gmsa-prod",
            ),
            s,
        );
        assert.match(s, /export AD_IDENTITY_PASSWORD=/);
    });

    test("the resource inventory is collapsed", () => {
        const s = section(md, "Resources");
        assert.match(s, /^\n## Resources\n\n<details>\n<summary>106 resources by type<\/summary>/);
        assert.doesNotMatch(md.slice(0, md.indexOf("\n## Resources\n")), /`aws:ec2\/subnet:Subnet` \| \d+ \|/);
    });
});

describe("summary.md with a day-2 diff", () => {
    // The baseline had another VPC range: the VPC (protected here) is replaced, and with it what hangs off it.
    const after: Plan = JSON.parse(JSON.stringify(prod));
    after.resources.find((r) => r.type === "aws:ec2/vpc:Vpc")!.protect = true;
    const before: Plan = JSON.parse(JSON.stringify(after));
    before.resources.find((r) => r.type === "aws:ec2/vpc:Vpc")!.inputs.cidrBlock = "10.99.0.0/16";
    const { diff, explanation } = explainDiff(before, after);
    const md = renderSummary({ plan: after, policyReport: passed(after), change: { against: "base/plan.json", diff, explanation } });
    const s = section(md, "What changes");

    test("the counts, then the protected resources pulumi up refuses, then the replacements before any update", () => {
        assert.ok(diff.replace.length > 0 && explanation.protectedChanges.length > 0, "the case replaces a protected resource");
        assert.match(s, /Against `base\/plan\.json` .*: \*\*\d+ to create, \d+ to update, \d+ to replace, 0 to delete\*\*/);
        const protectedAt = s.indexOf("**Protected resources this change would replace or delete: `pulumi up` refuses.**");
        const firstReplace = s.indexOf("| **replace** |");
        const firstUpdate = s.indexOf("| update |");
        assert.ok(protectedAt > 0 && firstReplace > protectedAt, s);
        assert.ok(firstUpdate < 0 || firstUpdate > s.lastIndexOf("| **replace** |"), s);
        assert.match(s, /\| \*\*replace\*\* \| `aws:ec2\/vpc:Vpc vpc` \| yes \| /);
    });
});

describe("summary.md of dev (a directory the stack creates)", () => {
    const md = renderSummary({ plan: dev, policyReport: passed(dev) });

    test("says the stack provisions the AD side; no command to run by hand", () => {
        const s = section(md, "Active Directory before the deploy");
        assert.match(s, /The stack creates the directory \(AWS Managed Microsoft AD `corp\.example\.com`\) and, during `pulumi up`, these in it/);
        assert.ok(s.includes("| readers' group | `eks-gmsa-readers` |"));
        assert.doesNotMatch(s, /npm run ad/);
    });
});

describe("the job-summary variant (posted to $GITHUB_STEP_SUMMARY)", () => {
    const file = renderSummary({ plan: prod, policyReport: passed(prod) });
    const job = renderSummary({
        plan: prod,
        policyReport: passed(prod),
        variant: "job-summary",
        extraSections: [
            {
                title: "Kubernetes manifests",
                body: "20 files in [manifests/](manifests/); see [docs/day2-diff.md](../../docs/day2-diff.md) and [Pulumi](https://www.pulumi.com/docs/).",
            },
        ],
    });

    test("no picture and no relative link (they resolve beside summary.md, not on GitHub); absolute links stay", () => {
        assert.ok(file.includes("![architecture](architecture.svg)"));
        assert.ok(!job.includes("architecture.svg"));
        assert.doesNotMatch(job, /\]\((?!https?:)[^)]*\)/);
        assert.ok(job.includes("20 files in manifests/; see docs/day2-diff.md and [Pulumi](https://www.pulumi.com/docs/)."));
        assert.deepEqual(headings(job).slice(0, 3), headings(file).slice(0, 3));
    });
});
