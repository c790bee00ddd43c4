// Review artifacts show facts (issue 14, item 5): the offline runtime makes up outputs (a managed
// directory's DNS addresses, ARNs, IDs); the picture, the summary and the manifests show them as
// known at deploy time, never as made-up facts.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { projectRoot } from "../tools/harness";
import { shownValues, withoutInventedValues } from "../tools/review/deployTimeValues";
import { testChartCache } from "./support/helmRepository";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "first-hour-plan-invented-"));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** IPv4 address -> number; CIDR containment. */
const ipNumber = (ip: string): number => ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);
const inCidr = (ip: string, cidr: string): boolean => {
    const [base, bits] = cidr.split("/");
    const size = 2 ** (32 - Number(bits));
    return Math.floor(ipNumber(ip) / size) === Math.floor(ipNumber(base) / size);
};
/** Host addresses in a text: IPv4 not followed by a prefix length. */
const hostAddresses = (text: string): string[] => [...text.matchAll(/(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?![\d./])/g)].map((m) => m[1]);
/** The text a picture shows (its <text> elements, entities decoded). */
const svgText = (svg: string): string =>
    [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)]
        .map((m) => m[1].replace(/&#45;/g, "-").replace(/&gt;/g, ">").replace(/&lt;/g, "<").replace(/&#39;/g, "'").replace(/&amp;/g, "&"))
        .join("\n");

describe("npm run plan of dev: the picture, the summary and the manifests show no made-up value", () => {
    const out = path.join(scratch, "dev");
    const run = spawnSync(process.execPath, ["--import", "tsx", path.join(projectRoot, "tools", "plan.ts"), "--stack", "dev", "--out", out], {
        cwd: projectRoot,
        encoding: "utf8",
        timeout: 180_000,
        env: testChartCache().env,
    });
    const read = (f: string) => fs.readFileSync(path.join(out, f), "utf8");

    test("the plan runs", () => assert.equal(run.status, 0, run.stderr));

    test("every host address in the picture and the summary lies in a subnet of the VPC drawn around it; the directory's are from it at deploy time", () => {
        const plan = JSON.parse(read("plan.json"));
        const subnets: string[] = plan.resources
            .filter((r: { type: string }) => r.type === "aws:ec2/subnet:Subnet")
            .map((r: { inputs: { cidrBlock: string } }) => r.inputs.cidrBlock);
        assert.ok(subnets.length > 0);
        const picture = svgText(read("architecture.svg"));
        for (const [name, text] of [
            ["architecture.svg", picture],
            ["summary.md", read("summary.md")],
            ["job-summary.md", read("job-summary.md")],
        ] as const) {
            const outside = hostAddresses(text).filter((ip) => !subnets.some((c) => inCidr(ip, c)));
            assert.deepEqual(outside, [], `${name} shows addresses in no subnet of the VPC (${subnets.join(", ")})`);
        }
        assert.match(picture, /Domain controllers\nDNS \(from the directory at deploy time\)/);
        assert.match(picture, /forward corp\.example\.com -> \(from the directory at deploy time\)/);
    });

    test("no value the offline runtime made up appears in any review file but plan.json, which lists them", () => {
        const plan = JSON.parse(read("plan.json"));
        const invented = Object.keys(plan.deployTimeValues ?? {});
        // What the mocks make up for dev: the directory's addresses and ID, the secret's ARN, the SID the run reports.
        for (const v of ["10.20.128.10", "S-1-5-21-1004336348-1177238915-682003330"]) assert.ok(invented.includes(v), v);
        assert.ok(invented.some((v) => v.startsWith("arn:aws:secretsmanager:") && v.includes("portable-identity")));
        const files = [
            "architecture.svg",
            "summary.md",
            "job-summary.md",
            "policy-report.json",
            ...fs.readdirSync(path.join(out, "manifests")).map((f) => path.join("manifests", f)),
        ];
        for (const f of files) {
            const text = read(f);
            for (const v of invented) assert.ok(!text.includes(v), `${f} shows ${v}, which the offline runtime made up`);
        }
        const credspec = read(path.join("manifests", "gmsacredentialspec.webapp01.yaml"));
        assert.match(credspec, /\(the domain SID the directory reports at deploy time\)/);
        assert.match(credspec, /"credentialArn":"\(arn of Secret portable-identity: known at deploy time\)"/);
    });
});

describe("deployTimeValues: showing made-up values as what they stand for", () => {
    const invented = {
        "10.0.0.1": "(from the directory at deploy time)",
        "10.0.0.2": "(from the directory at deploy time)",
        "d-1234567890": "(the directory's ID)",
        "arn:aws:ds:us-west-2:111122223333:directory/d-1234567890": "(the directory's ARN)",
    };

    test("a list keeps facts and shows the made-up values once", () => {
        assert.deepEqual(shownValues(["10.0.0.1", "10.0.0.2", "10.9.9.9"], invented), ["(from the directory at deploy time)", "10.9.9.9"]);
    });

    test("text: the longest value first, so an ARN is not half replaced by the ID inside it", () => {
        assert.equal(
            withoutInventedValues("arn:aws:ds:us-west-2:111122223333:directory/d-1234567890 is d-1234567890 at 10.0.0.1", invented),
            "(the directory's ARN) is (the directory's ID) at (from the directory at deploy time)",
        );
        assert.equal(withoutInventedValues("no change", undefined), "no change");
    });
});
