// The real package (components/scripts/ad) shipped in the management host's SSM Command document
// (components/directoryDocuments.ts), run the way the SSM agent runs an aws:runShellScript step
// (test/support/hostStep.ts) with /usr/bin/python3 against a Samba DC of its own, a stand-in boto3
// serving the secrets: provisioning with the chain check (twice: the second run changes nothing),
// domain-joined provisioning, a node's join and cleanup, a refused run, a hostile readers' group.
// The step itself with a stand-in package is in test/ad-host-documents.test.ts.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { adCommandDocument, operationParameters, parseAdResult, type AdPayload } from "../components/directoryDocuments";
import { makeScratch, runDocument, type StepRun } from "./support/hostStep";
import { startSambaDomain, type SambaDomain } from "./support/samba";

/**
 * A stand-in boto3 (and the botocore names host.py imports): Secrets Manager answers from
 * FAKE_SECRETS (JSON, ARN -> SecretString) and records each call's region in FAKE_BOTO_LOG.
 */
function writeFakeBoto3(dir: string): void {
    fs.mkdirSync(path.join(dir, "botocore"), { recursive: true });
    fs.writeFileSync(path.join(dir, "botocore", "__init__.py"), "");
    fs.writeFileSync(path.join(dir, "botocore", "config.py"), "class Config:\n    def __init__(self, **kwargs):\n        self.kwargs = kwargs\n");
    fs.writeFileSync(
        path.join(dir, "botocore", "exceptions.py"),
        [
            "class BotoCoreError(Exception):",
            "    pass",
            "class ClientError(Exception):",
            "    def __init__(self, response, operation):",
            "        super().__init__(operation)",
            "        self.response = response",
        ].join("\n") + "\n",
    );
    fs.writeFileSync(
        path.join(dir, "boto3.py"),
        [
            "import json, os",
            "from botocore.exceptions import ClientError",
            "class _SecretsManager:",
            "    def __init__(self, region):",
            "        self.region = region",
            "    def get_secret_value(self, SecretId):",
            "        with open(os.environ['FAKE_BOTO_LOG'], 'a') as log:",
            "            log.write('%s %s\\n' % (self.region, SecretId))",
            "        secrets = json.loads(os.environ['FAKE_SECRETS'])",
            "        if SecretId not in secrets:",
            "            raise ClientError({'Error': {'Code': 'ResourceNotFoundException'}}, 'GetSecretValue')",
            "        return {'SecretString': secrets[SecretId]}",
            "def client(service, region_name=None, **kwargs):",
            "    assert service == 'secretsmanager', service",
            "    return _SecretsManager(region_name)",
        ].join("\n") + "\n",
    );
}

describe("the real package against a Samba DC", () => {
    let dc: SambaDomain;
    let scratch: string;
    let boto: string;
    let botoLog: string;
    const adminArn = "arn:aws:secretsmanager:us-west-2:123456789012:secret:eks-gmsa/host-test/directory-admin-AbCdEf";
    const identityArn = "arn:aws:secretsmanager:us-west-2:123456789012:secret:eks-gmsa/host-test/portable-identity-XyZ123";
    const identityPassword = "Reader-Passw0rd-7x";
    let secrets: Record<string, string>;

    before(
        async () => {
            scratch = makeScratch("ad-host-documents-dc-");
            boto = path.join(scratch, "boto3");
            writeFakeBoto3(boto);
            botoLog = path.join(scratch, "boto.log");
            dc = await startSambaDomain();
            // As AWS Managed AD's Admin: no Domain Admin, full control in its OU, creates gMSAs.
            secrets = {
                [adminArn]: JSON.stringify({ username: "Admin", password: dc.delegatedAdmin.password }),
                [identityArn]: JSON.stringify({ username: "gmsa-ccg-reader", password: identityPassword }),
            };
        },
        { timeout: 180_000 },
    );
    after(async () => {
        try {
            await dc?.stop();
        } finally {
            if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
        }
    });

    const base = (): AdPayload => ({
        operation: "provision",
        region: "eu-central-1",
        domain: { dnsName: dc.dnsName, netbiosName: dc.netbiosName, dcAddresses: [dc.host] },
        adminSecretArn: adminArn,
        readersGroup: "eks-gmsa-readers",
        owner: "host-test",
        accountsOu: dc.usersOuDn,
        accounts: ["WebApp01"],
        identity: { username: "gmsa-ccg-reader", secretArn: identityArn },
        verify: true,
    });

    /** Renders the document with the real package and runs it as the agent would on the host. */
    function onHost(p: AdPayload, env: Record<string, string> = {}): StepRun {
        const document = adCommandDocument({
            description: "host test",
            payload: p,
            ...(p.operation !== "provision" ? { parameters: operationParameters[p.operation] } : {}),
        });
        return runDocument(scratch, document, { env: { PYTHONPATH: boto, FAKE_SECRETS: JSON.stringify(secrets), FAKE_BOTO_LOG: botoLog, ...env } });
    }

    const members = async (group: string) =>
        (await dc.sambaTool("group", "listmembers", group))
            .split("\n")
            .map((l) => l.trim())
            .filter(Boolean);

    test(
        "provisioning, then the whole chain as the portable identity: the result line carries the directory's facts; a second run changes nothing",
        { timeout: 120_000 },
        async () => {
            fs.writeFileSync(botoLog, "");
            const first = onHost(base());
            assert.equal(first.status, 0, first.stdout + first.stderr);
            const result = parseAdResult(first.stdout, true);
            const facts = await dc.facts();
            assert.deepEqual(result.domain, {
                dnsName: facts.dnsName,
                forestName: facts.forestName,
                netbiosName: facts.netbiosName,
                sid: facts.domainSid,
                guid: facts.domainGuid,
            });
            assert.ok(result.changes.length > 0, "the first run creates the group, the identity and the gMSA");
            assert.deepEqual(result.chain, [{ account: "WebApp01", ok: true, links: 9 }], "the chain's summary is in the result");
            assert.ok((await members("eks-gmsa-readers")).includes("gmsa-ccg-reader"));
            // Secrets Manager in the payload's region, by ARN.
            assert.deepEqual(fs.readFileSync(botoLog, "utf8").trim().split("\n"), [`eu-central-1 ${adminArn}`, `eu-central-1 ${identityArn}`]);
            for (const secret of [dc.delegatedAdmin.password, identityPassword])
                assert.ok(!first.stdout.includes(secret) && !first.stderr.includes(secret), "a password was printed");

            const second = onHost(base());
            assert.equal(second.status, 0, second.stdout + second.stderr);
            assert.deepEqual(parseAdResult(second.stdout, true).changes, []);
        },
    );

    test("domain-joined provisioning checks the chain as an owned probe computer account in the readers' group", { timeout: 120_000 }, async () => {
        const run = onHost({ ...base(), identity: undefined });
        assert.equal(run.status, 0, run.stdout + run.stderr);
        const result = parseAdResult(run.stdout, true);
        assert.deepEqual(result.chain, [{ account: "WebApp01", ok: true, links: 9 }]);
        assert.ok(
            (await members("eks-gmsa-readers")).some((m) => m.endsWith("$")),
            "a computer account (the probe) reads the password",
        );
    });

    test(
        "a node's computer account joins the readers' group from SSM_ComputerName, bound to SSM_InstanceId, and is deleted again on cleanup by the instance",
        { timeout: 120_000 },
        async () => {
            await dc.createComputer("EC2AMAZ-HOST01");
            const node = { ...base(), identity: undefined, verify: undefined, joinOu: dc.computersOuDn };
            const join = onHost(
                { ...node, operation: "node-join" },
                { SSM_ComputerName: "EC2AMAZ-HOST01", SSM_InstanceId: "i-0123456789abcdef0", SSM_CreatedAfter: "2000-01-01T00:00:00Z" },
            );
            assert.equal(join.status, 0, join.stdout + join.stderr);
            assert.ok((await members("eks-gmsa-readers")).includes("EC2AMAZ-HOST01$"));
            const cleanup = onHost({ ...node, operation: "node-cleanup" }, { SSM_InstanceId: "i-0123456789abcdef0" });
            assert.equal(cleanup.status, 0, cleanup.stdout + cleanup.stderr);
            await assert.rejects(dc.sambaTool("computer", "show", "EC2AMAZ-HOST01"), "the account is gone");
        },
    );

    test("a refused run fails with one line on stderr and no password anywhere", { timeout: 60_000 }, () => {
        const wrong = { ...secrets, [adminArn]: JSON.stringify({ username: "Admin", password: "Wrong-Passw0rd-42" }) };
        const run = runDocument(scratch, adCommandDocument({ description: "host test", payload: base() }), {
            env: { PYTHONPATH: boto, FAKE_SECRETS: JSON.stringify(wrong), FAKE_BOTO_LOG: botoLog },
        });
        assert.equal(run.status, 1);
        assert.match(run.stderr, /^eks-gmsa: [^\n]+\n$/, "exactly one line");
        for (const secret of ["Wrong-Passw0rd-42", identityPassword])
            assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret), "a password was printed");
    });

    test("a readers' group full of shell syntax reaches the Python as data, which refuses it by name; nothing runs", { timeout: 60_000 }, () => {
        const marker = path.join(scratch, "pwned-dc");
        const run = onHost({ ...base(), readersGroup: `x'$(touch ${marker})\`touch ${marker}\`` });
        assert.equal(run.status, 1);
        assert.match(run.stderr, /^eks-gmsa: payload: [^\n]*readersGroup[^\n]*\n$/);
        assert.ok(!fs.existsSync(marker));
    });
});
