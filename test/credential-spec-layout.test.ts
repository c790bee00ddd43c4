// The credential spec layout has one module (components/credentialSpec.ts): what it writes, the
// review tooling reads back with it. The policy pack keeps its own reading on purpose; here it must
// accept everything the program writes.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { readCredentialSpec, renderCredentialSpec, type CredentialSpecArgs } from "../components/credentialSpec";
import { credspecProblems } from "../policy/policies/lib/credspec";
import { corpDomain, emeaDomain, secretArn } from "./support/fixtures";

const cases: (CredentialSpecArgs & { label: string })[] = [
    { label: "domain-joined, forest root", name: "webapp01", account: "WebApp01", domain: corpDomain },
    {
        label: "domainless, child domain",
        name: "reports",
        account: "ReportsSvc",
        domain: emeaDomain,
        portableIdentitySecretArn: secretArn("dev/portable-identity"),
    },
];

describe("credential spec layout", () => {
    for (const c of cases) {
        test(`${c.label}: what renderCredentialSpec writes, readCredentialSpec reads back, and the pack accepts`, () => {
            const { credspec } = renderCredentialSpec(c);
            assert.deepEqual(readCredentialSpec(credspec), {
                account: c.account,
                domain: c.domain,
                domainless: c.portableIdentitySecretArn !== undefined,
                credentialArn: c.portableIdentitySecretArn,
            });
            assert.deepEqual(credspecProblems(credspec), []);
        });
    }

    test("anything else reads as missing facts, never as an error", () => {
        for (const odd of [
            undefined,
            null,
            "text",
            [],
            { DomainJoinConfig: "x" },
            { ActiveDirectoryConfig: { HostAccountConfig: { PluginInput: "not json" } } },
        ]) {
            const facts = readCredentialSpec(odd);
            assert.equal(facts.account, undefined);
            assert.deepEqual(facts.domain, {});
            assert.equal(facts.credentialArn, undefined);
        }
        assert.equal(readCredentialSpec({ ActiveDirectoryConfig: { HostAccountConfig: { PluginInput: "not json" } } }).domainless, true);
    });
});
