// The domain facts module (lib/ad/domainFacts.ts): the SID and GUID rules config, the provisioning
// run's report and the AD command line share, and their agreement with the policy pack's own copy
// (the pack runs in app repositories without this program, so it keeps its rules on purpose).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { renderCredentialSpec } from "../components/credentialSpec";
import { domainFactsFromReport, domainSidProblem, guidProblem, normalizeGuid } from "../lib/ad/domainFacts";
import { credspecProblems, isDomainSid as packIsDomainSid, isGuid as packIsGuid } from "../policy/policies/lib/credspec";
import { corpDomain, reportedFacts } from "./support/fixtures";

const sids: { value: string; valid: boolean; why: string }[] = [
    { value: "S-1-5-21-1-2-3", valid: true, why: "short sub-authorities" },
    { value: "S-1-5-21-2725122404-4129967127-2630707939", valid: true, why: "a real-looking domain SID" },
    { value: "s-1-5-21-2725122404-4129967127-2630707939", valid: true, why: "SID strings are case-insensitive" },
    { value: "S-1-5-21-4294967295-0-0", valid: true, why: "the largest 32-bit sub-authority" },
    { value: "S-1-5-32-544", valid: false, why: "BUILTIN\\Administrators, not a domain" },
    { value: "S-1-5-21-1-2", valid: false, why: "two sub-authorities" },
    { value: "S-1-5-21-1-2-3-500", valid: false, why: "an account's SID (with its RID), not the domain's" },
    { value: "S-1-5-21-12345678901-2-3", valid: false, why: "11 digits: more than 32 bits" },
    { value: "S-1-5-21-a-2-3", valid: false, why: "a letter" },
    { value: "S-1-5-21--2-3", valid: false, why: "an empty sub-authority" },
    { value: " S-1-5-21-1-2-3", valid: false, why: "a leading space" },
    { value: "S-1-5-21-1-2-3\n", valid: false, why: "a trailing newline" },
    { value: "", valid: false, why: "empty" },
];

const guids: { value: string; valid: boolean; why: string }[] = [
    { value: "0e4d3e1a-6d2b-4c6e-9a2f-3f1c2b8e7d51", valid: true, why: "registry form" },
    { value: "0E4D3E1A-6D2B-4C6E-9A2F-3F1C2B8E7D51", valid: true, why: "upper case" },
    { value: "{0e4d3e1a-6d2b-4c6e-9a2f-3f1c2b8e7d51}", valid: true, why: "in braces" },
    { value: "{0e4d3e1a-6d2b-4c6e-9a2f-3f1c2b8e7d51", valid: false, why: "an opening brace only" },
    { value: "0e4d3e1a-6d2b-4c6e-9a2f-3f1c2b8e7d51}", valid: false, why: "a closing brace only" },
    { value: "0e4d3e1a6d2b4c6e9a2f3f1c2b8e7d51", valid: false, why: "no dashes" },
    { value: "0e4d3e1a-6d2b-4c6e-9a2f", valid: false, why: "cut short" },
    { value: "0e4d3e1a-6d2b-4c6e-9a2f-3f1c2b8e7d5g", valid: false, why: "not hex" },
    { value: "", valid: false, why: "empty" },
];

/** What the pack says about a credential spec the program renders with this SID or GUID. */
const packProblemsFor = (domain: Partial<typeof corpDomain>) =>
    credspecProblems(renderCredentialSpec({ name: "webapp01", account: "WebApp01", domain: { ...corpDomain, ...domain } }).credspec);

describe("the program's SID and GUID rules and the policy pack's agree", () => {
    for (const s of sids) {
        test(`SID ${JSON.stringify(s.value)} (${s.why}): ${s.valid ? "valid" : "invalid"} to both`, () => {
            assert.equal(domainSidProblem(s.value) === undefined, s.valid, "the program's rule");
            assert.equal(packIsDomainSid(s.value), s.valid, "the pack's rule");
            assert.equal(
                packProblemsFor({ sid: s.value }).some((p) => p.startsWith("DomainJoinConfig.Sid")),
                !s.valid,
                "the pack on a rendered credential spec",
            );
        });
    }
    for (const g of guids) {
        test(`GUID ${JSON.stringify(g.value)} (${g.why}): ${g.valid ? "valid" : "invalid"} to both`, () => {
            assert.equal(guidProblem(g.value) === undefined, g.valid, "the program's rule");
            assert.equal(packIsGuid(g.value), g.valid, "the pack's rule");
            assert.equal(
                packProblemsFor({ guid: g.value }).some((p) => p.startsWith("DomainJoinConfig.Guid")),
                !g.valid,
                "the pack on a rendered credential spec",
            );
        });
    }
});

describe("domain facts from a report (cli.py discover, a provisioning run's result line)", () => {
    test("the report's domainSid/domainGuid become sid/guid, normalized the way credential specs carry them", () => {
        const report = { ...reportedFacts(corpDomain), domainSid: corpDomain.sid.toLowerCase(), domainGuid: `{${corpDomain.guid.toUpperCase()}}`, changes: [] };
        assert.deepEqual(domainFactsFromReport(report), corpDomain);
    });

    test("a missing or malformed fact gives nothing (the caller says so without quoting the report)", () => {
        const report = reportedFacts(corpDomain);
        for (const key of Object.keys(report) as (keyof typeof report)[]) {
            const missing: Partial<typeof report> = { ...report };
            delete missing[key];
            assert.equal(domainFactsFromReport(missing), undefined, `without ${key}`);
            assert.equal(domainFactsFromReport({ ...report, [key]: 42 }), undefined, `${key} a number`);
        }
        assert.equal(domainFactsFromReport({ ...report, domainSid: "S-1-5-32-544" }), undefined);
        assert.equal(domainFactsFromReport({ ...report, domainGuid: "not-a-guid" }), undefined);
        assert.equal(domainFactsFromReport({ ...report, dnsName: "" }), undefined);
        for (const notAnObject of [null, "text", 7, undefined]) assert.equal(domainFactsFromReport(notAnObject), undefined);
    });

    test("a GUID keeps its digits: only the braces go and the case folds", () => {
        assert.equal(normalizeGuid("{0E4D3E1A-6D2B-4C6E-9A2F-3F1C2B8E7D51}"), "0e4d3e1a-6d2b-4c6e-9a2f-3f1c2b8e7d51");
        assert.equal(normalizeGuid("0e4d3e1a-6d2b-4c6e-9a2f-3f1c2b8e7d51"), "0e4d3e1a-6d2b-4c6e-9a2f-3f1c2b8e7d51");
    });
});
