// Domain-joined mode confines the lifecycle automation to the cluster's own join OU: required with
// an existing directory (its owner creates and delegates it), the directory's Computers OU by
// default with a directory the stack creates (the whole directory is the cluster's).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { documentPayload } from "../components/directoryDocuments";
import { parseSettings } from "../settings/validate";
import { inputs, one, ofType, runOk } from "./helpers";
import { devNetworkToSharedServices, lineFor, sharedServicesDnsServers } from "./support/fixtures";

const existing = {
    domainName: "corp.example.com",
    netbiosName: "CORP",
    dnsServers: sharedServicesDnsServers,
    directoryId: "d-1234567890",
    domainSid: "S-1-5-21-1-2-3",
    domainGuid: "0e4d3e1a-6d2b-4c6e-9a2f-3f1c2b8e7d51",
    adminCredentialsSecretArn: "arn:aws:secretsmanager:us-west-2:123456789012:secret:eks-gmsa/ad-admin-AbCdEf",
};
const joined = { mode: "domainJoined", accounts: [{ name: "webapp01", account: "WebApp01", allowed: [{ namespace: "web", serviceAccounts: ["webapp"] }] }] };

function parse(ad: Record<string, unknown>) {
    return parseSettings({
        stack: "dev",
        values: {
            "aws:region": "us-west-2",
            "eks-gmsa:network": JSON.stringify(devNetworkToSharedServices),
            "eks-gmsa:activeDirectory": JSON.stringify(ad),
            "eks-gmsa:gmsa": JSON.stringify(joined),
        },
    });
}

describe("the join OU in domain-joined mode", () => {
    test("an existing directory without joinOu is refused with one line naming the key and what the OU is for", () => {
        const r = parse(existing);
        assert.equal(r.ok, false);
        const problems = r.ok ? [] : r.problems;
        assert.equal(problems.length, 1, problems.join("\n"));
        assert.match(
            lineFor(problems, "eks-gmsa:activeDirectory.joinOu"),
            /is required in gmsa\.mode domainJoined: an OU dedicated to this cluster's Windows nodes .* outside which the lifecycle runbooks add and delete no computer account/,
        );
    });

    test("with joinOu an existing directory parses, and the OU is kept as given", () => {
        const r = parse({ ...existing, joinOu: "OU=EKS-dev,OU=Computers,DC=corp,DC=example,DC=com" });
        assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
        assert.equal(r.settings.activeDirectory?.joinOu, "OU=EKS-dev,OU=Computers,DC=corp,DC=example,DC=com");
    });

    test("a directory the stack creates: nodes join its Computers OU, and the runbooks' documents are confined to it", () => {
        const run = runOk({ stack: "dev", overrides: { "eks-gmsa:gmsa": joined, "eks-gmsa:portableIdentityPassword": null } });
        const ou = "OU=Computers,OU=CORP,DC=corp,DC=example,DC=com";
        assert.equal(inputs(one(run, "aws:ssm/association:Association")).parameters.directoryOU, ou);
        const documents = new Map(ofType(run, "aws:ssm/document:Document").map((d) => [d.name, inputs(d)]));
        for (const name of ["ad-add-node-to-readers", "ad-delete-node-computer"]) assert.equal(documentPayload(documents.get(name)!.content).joinOu, ou, name);
    });

    test("a domainless stack has no join OU, default or otherwise", () => {
        const dev = runOk({ stack: "dev" });
        assert.deepEqual(ofType(dev, "aws:ssm/association:Association"), []);
        assert.ok(!ofType(dev, "aws:ssm/document:Document").some((d) => d.name === "ad-add-node-to-readers"));
    });
});
