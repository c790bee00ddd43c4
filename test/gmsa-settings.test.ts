// Stack config validation of the gMSA settings (gmsa, activeDirectory's domain facts and the secret
// portable-identity password) through parseSettings: every bad input gives a line starting with the
// exact full key; good input yields typed settings with the documented defaults.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { defaultCertManagerVersion, parseSettings, type ParseResult } from "../settings/validate";
import { SecretValue } from "../lib/secret";
import type { Settings } from "../settings/types";
import { lineFor } from "./support/fixtures";

// Config sections as a stack file holds them, edited by path into every wrong shape the tests need.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a section made wrong on purpose fits no declared type
type Obj = Record<string, any>;

const passwordKey = "eks-gmsa:portableIdentityPassword";
const password = `Pa55"w0rd\\with{odd}chars`;

interface Config {
    region: string;
    /** One object per `eks-gmsa:` key (without the prefix). */
    sections: Obj;
    /** The raw password value; undefined leaves the key out. */
    password: string | undefined;
    /** Whether the password key is listed as a secret. */
    secret: boolean;
}

/** A valid domainless config with one gMSA. */
function baseConfig(): Config {
    return {
        region: "us-west-2",
        sections: {
            network: {
                vpcCidr: "10.0.0.0/16",
                availabilityZoneCount: 2,
                natGateways: "single",
                transitGateway: { id: "tgw-0123456789abcdef0", routes: ["10.10.0.0/16"] },
            },
            cluster: { kubernetesVersion: "1.35", logRetentionDays: 30 },
            access: { clusterAdmins: ["arn:aws:iam::123456789012:role/platform-admins"] },
            linuxNodes: { instanceTypes: ["m6i.large"], minSize: 2, desiredSize: 2, maxSize: 4 },
            windowsNodes: { instanceType: "m6i.xlarge", windowsServerVersion: "2022" },
            activeDirectory: {
                domainName: "corp.example.com",
                netbiosName: "CORP",
                dnsServers: ["10.10.0.10", "10.10.64.10"],
                domainSid: "S-1-5-21-2725122404-4129967127-2630707939",
                domainGuid: "0e4d3e1a-6d2b-4c6e-9a2f-3f1c2b8e7d51",
            },
            gmsa: {
                mode: "domainless",
                portableIdentity: { username: "gmsa-ccg-reader" },
                accounts: [{ name: "webapp01", account: "WebApp01", allowed: [{ namespace: "web", serviceAccounts: ["webapp"], create: true }] }],
            },
        },
        password,
        secret: true,
    };
}

function parse(edit: (c: Config) => void = () => {}): ParseResult {
    const c = baseConfig();
    edit(c);
    const values: Record<string, string> = { "aws:region": c.region };
    for (const [key, value] of Object.entries(c.sections)) {
        if (value !== undefined) values[`eks-gmsa:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
    }
    if (c.password !== undefined) values[passwordKey] = c.password;
    return parseSettings({ stack: "dev", values, secretKeys: c.secret ? [passwordKey] : [] });
}

function ok(edit?: (c: Config) => void): Settings {
    const result = parse(edit);
    if (!result.ok) assert.fail(`expected the config to parse, got:\n  ${result.problems.join("\n  ")}`);
    return result.settings;
}

function problems(edit: (c: Config) => void): readonly string[] {
    const result = parse(edit);
    assert.equal(result.ok, false, "expected the config to be rejected");
    return result.ok ? [] : result.problems;
}

const domainJoined = (c: Config) => {
    c.sections.gmsa.mode = "domainJoined";
    delete c.sections.gmsa.portableIdentity;
    c.password = undefined;
    c.secret = false;
    // Nodes join through this Directory Service directory.
    c.sections.activeDirectory.directoryId = "d-1234567890";
    // New nodes join the readers' group with this account; removed nodes' accounts are deleted.
    c.sections.activeDirectory.adminCredentialsSecretArn = "arn:aws:secretsmanager:us-west-2:123456789012:secret:eks-gmsa/ad-admin-AbCdEf";
    // ... in this OU only, which is the cluster's own.
    c.sections.activeDirectory.joinOu = "OU=EKS,OU=Computers,DC=corp,DC=example,DC=com";
};
const account = (name: string, accountName: string, namespace = "web", serviceAccounts = ["webapp"]) => ({
    name,
    account: accountName,
    allowed: [{ namespace, serviceAccounts }],
});

interface BadCase {
    name: string;
    edit: (c: Config) => void;
    key: string;
    mentions: (string | RegExp)[];
    /** Expected number of problem lines (default 1: one mistake, one line). */
    lines?: number;
}

const badCases: BadCase[] = [
    // --- activeDirectory domain facts ---
    {
        name: "domainSid that is not a domain SID",
        edit: (c) => {
            c.sections.activeDirectory.domainSid = "S-1-5-32-544";
        },
        key: "eks-gmsa:activeDirectory.domainSid",
        mentions: ['"S-1-5-32-544"', "must be a domain SID"],
    },
    {
        name: "domainSid with two sub-authorities",
        edit: (c) => {
            c.sections.activeDirectory.domainSid = "S-1-5-21-1-2";
        },
        key: "eks-gmsa:activeDirectory.domainSid",
        mentions: ['"S-1-5-21-1-2"', "S-1-5-21-1234567890-1234567890-1234567890"],
    },
    {
        name: "domainGuid that is not a GUID",
        edit: (c) => {
            c.sections.activeDirectory.domainGuid = "0e4d3e1a-6d2b-4c6e-9a2f";
        },
        key: "eks-gmsa:activeDirectory.domainGuid",
        mentions: ['"0e4d3e1a-6d2b-4c6e-9a2f"', "must be a GUID"],
    },
    {
        name: "forestName not a parent of domainName",
        edit: (c) => {
            c.sections.activeDirectory.forestName = "example.org";
        },
        key: "eks-gmsa:activeDirectory.forestName",
        mentions: ['"example.org"', "forest root of domainName (corp.example.com)"],
    },
    {
        name: "forestName that only ends like the domain (xample.com)",
        edit: (c) => {
            c.sections.activeDirectory.forestName = "xample.com";
        },
        key: "eks-gmsa:activeDirectory.forestName",
        mentions: ['"xample.com"', "a parent of it"],
    },
    {
        name: "vpcResolver that is no mode nor rule ID",
        edit: (c) => {
            c.sections.activeDirectory.vpcResolver = "rslvr-rr-123";
        },
        key: "eks-gmsa:activeDirectory.vpcResolver",
        mentions: ['"rslvr-rr-123"', "create, none, or a Route 53 Resolver rule ID"],
    },
    {
        name: "vpcResolver 'existing' (needs the rule ID)",
        edit: (c) => {
            c.sections.activeDirectory.vpcResolver = "existing";
        },
        key: "eks-gmsa:activeDirectory.vpcResolver",
        mentions: ['"existing"', "rslvr-rr-0123456789abcdef0"],
    },
    {
        name: "accounts without activeDirectory",
        edit: (c) => {
            delete c.sections.activeDirectory;
        },
        key: "eks-gmsa:activeDirectory",
        mentions: ["is required with gmsa.accounts"],
    },
    {
        name: "accounts without domainSid",
        edit: (c) => {
            delete c.sections.activeDirectory.domainSid;
        },
        key: "eks-gmsa:activeDirectory.domainSid",
        mentions: ["is required with gmsa.accounts"],
    },
    {
        name: "accounts without domainGuid",
        edit: (c) => {
            delete c.sections.activeDirectory.domainGuid;
        },
        key: "eks-gmsa:activeDirectory.domainGuid",
        mentions: ["is required with gmsa.accounts"],
    },

    // --- accounts ---
    {
        name: "account with a trailing $",
        edit: (c) => {
            c.sections.gmsa.accounts[0].account = "WebApp01$";
        },
        key: "eks-gmsa:gmsa.accounts[0].account",
        mentions: ['"WebApp01$"', "without the trailing '$'"],
    },
    {
        name: "account over 15 characters",
        edit: (c) => {
            c.sections.gmsa.accounts[0].account = "WebApplication01";
        },
        key: "eks-gmsa:gmsa.accounts[0].account",
        mentions: ['"WebApplication01"', "1 to 15 characters (this one has 16)"],
    },
    {
        name: "account with a dot",
        edit: (c) => {
            c.sections.gmsa.accounts[0].account = "web.app";
        },
        key: "eks-gmsa:gmsa.accounts[0].account",
        mentions: ['"web.app"', "letters, digits, '-' and '_'"],
    },
    {
        name: "account with a space",
        edit: (c) => {
            c.sections.gmsa.accounts[0].account = "Web App";
        },
        key: "eks-gmsa:gmsa.accounts[0].account",
        mentions: ['"Web App"', "letters, digits"],
    },
    {
        name: "account missing",
        edit: (c) => {
            delete c.sections.gmsa.accounts[0].account;
        },
        key: "eks-gmsa:gmsa.accounts[0].account",
        mentions: ["is required"],
    },
    {
        name: "credspec name in upper case",
        edit: (c) => {
            c.sections.gmsa.accounts[0].name = "WebApp01";
        },
        key: "eks-gmsa:gmsa.accounts[0].name",
        mentions: ['"WebApp01"', "DNS-1123 subdomain"],
    },
    {
        name: "credspec name with an underscore",
        edit: (c) => {
            c.sections.gmsa.accounts[0].name = "web_app";
        },
        key: "eks-gmsa:gmsa.accounts[0].name",
        mentions: ['"web_app"', "DNS-1123"],
    },
    {
        name: "duplicate credential spec names",
        edit: (c) => {
            c.sections.gmsa.accounts.push(account("webapp01", "OtherSvc"));
        },
        key: "eks-gmsa:gmsa.accounts[1].name",
        mentions: ['"webapp01"', "already used by accounts[0]", "cluster-wide"],
    },
    {
        name: "duplicate gMSA accounts, case-insensitive",
        edit: (c) => {
            c.sections.gmsa.accounts.push(account("webapp02", "WEBAPP01"));
        },
        key: "eks-gmsa:gmsa.accounts[1].account",
        mentions: ['"WEBAPP01"', "already used by accounts[0]"],
    },
    {
        // Indexes are config positions even when an earlier account is invalid.
        name: "duplicate name after an invalid account names the right entries",
        edit: (c) => {
            c.sections.gmsa.accounts = [account("bad", "Bad$"), account("webapp01", "WebApp01"), account("webapp01", "OtherSvc")];
        },
        key: "eks-gmsa:gmsa.accounts[2].name",
        mentions: ['"webapp01"', "already used by accounts[1]"],
        lines: 2,
    },
    {
        name: "empty allowed list",
        edit: (c) => {
            c.sections.gmsa.accounts[0].allowed = [];
        },
        key: "eks-gmsa:gmsa.accounts[0].allowed",
        mentions: ["must list at least one {namespace, serviceAccounts}"],
    },
    {
        name: "allowed missing",
        edit: (c) => {
            delete c.sections.gmsa.accounts[0].allowed;
        },
        key: "eks-gmsa:gmsa.accounts[0].allowed",
        mentions: ["must list at least one"],
    },
    {
        name: "allowed namespace not a DNS label",
        edit: (c) => {
            c.sections.gmsa.accounts[0].allowed[0].namespace = "Web_NS";
        },
        key: "eks-gmsa:gmsa.accounts[0].allowed[0].namespace",
        mentions: ['"Web_NS"', "DNS-1123 label"],
    },
    {
        name: "allowed namespace with a dot",
        edit: (c) => {
            c.sections.gmsa.accounts[0].allowed[0].namespace = "web.prod";
        },
        key: "eks-gmsa:gmsa.accounts[0].allowed[0].namespace",
        mentions: ['"web.prod"', "DNS-1123 label"],
    },
    {
        name: "serviceAccounts empty",
        edit: (c) => {
            c.sections.gmsa.accounts[0].allowed[0].serviceAccounts = [];
        },
        key: "eks-gmsa:gmsa.accounts[0].allowed[0].serviceAccounts",
        mentions: ["got []", "at least 1"],
    },
    {
        name: "serviceAccounts missing",
        edit: (c) => {
            delete c.sections.gmsa.accounts[0].allowed[0].serviceAccounts;
        },
        key: "eks-gmsa:gmsa.accounts[0].allowed[0].serviceAccounts",
        mentions: ["is required"],
    },
    {
        name: "service account in upper case",
        edit: (c) => {
            c.sections.gmsa.accounts[0].allowed[0].serviceAccounts = ["WebApp"];
        },
        key: "eks-gmsa:gmsa.accounts[0].allowed[0].serviceAccounts[0]",
        mentions: ['"WebApp"', "DNS-1123"],
    },
    {
        name: "service account listed twice",
        edit: (c) => {
            c.sections.gmsa.accounts[0].allowed[0].serviceAccounts = ["webapp", "webapp"];
        },
        key: "eks-gmsa:gmsa.accounts[0].allowed[0].serviceAccounts",
        mentions: ['lists "webapp" more than once'],
    },
    {
        name: "create that is not a boolean",
        edit: (c) => {
            c.sections.gmsa.accounts[0].allowed[0].create = "yes";
        },
        key: "eks-gmsa:gmsa.accounts[0].allowed[0].create",
        mentions: ['"yes"', "true or false"],
    },
    {
        name: "duplicate namespace in one account's allowed",
        edit: (c) => {
            c.sections.gmsa.accounts[0].allowed.push({ namespace: "web", serviceAccounts: ["other"] });
        },
        key: "eks-gmsa:gmsa.accounts[0].allowed[1].namespace",
        mentions: ['"web"', "already listed in allowed[0]", "merge"],
    },
    {
        name: "allowed namespace is the webhook's namespace",
        edit: (c) => {
            c.sections.gmsa.accounts[0].allowed[0].namespace = "gmsa-webhook";
        },
        key: "eks-gmsa:gmsa.accounts[0].allowed[0].namespace",
        mentions: ['"gmsa-webhook"', "exempt from the gMSA webhook"],
    },
    {
        name: "allowed namespace is a custom webhook namespace",
        edit: (c) => {
            c.sections.gmsa.webhook = { namespace: "gmsa-system" };
            c.sections.gmsa.accounts[0].allowed[0].namespace = "gmsa-system";
        },
        key: "eks-gmsa:gmsa.accounts[0].allowed[0].namespace",
        mentions: ['"gmsa-system"', "exempt"],
    },
    {
        name: "allowed namespace kube-system",
        edit: (c) => {
            c.sections.gmsa.accounts[0].allowed[0].namespace = "kube-system";
        },
        key: "eks-gmsa:gmsa.accounts[0].allowed[0].namespace",
        mentions: ['"kube-system"', "exempt"],
    },
    {
        name: "allowed namespace is cert-manager's",
        edit: (c) => {
            c.sections.gmsa.accounts[0].allowed[0].namespace = "cert-manager";
        },
        key: "eks-gmsa:gmsa.accounts[0].allowed[0].namespace",
        mentions: ['"cert-manager"', "exempt"],
    },
    {
        // Same, for the exempt-namespace check.
        name: "exempt namespace after an invalid account names the right entry",
        edit: (c) => {
            c.sections.gmsa.accounts = [account("bad", "Bad$"), account("system", "SystemSvc", "kube-system")];
        },
        key: "eks-gmsa:gmsa.accounts[1].allowed[0].namespace",
        mentions: ['"kube-system"', "exempt"],
        lines: 2,
    },

    // --- portable identity and its password ---
    {
        name: "password missing in domainless mode",
        edit: (c) => {
            c.password = undefined;
            c.secret = false;
        },
        key: passwordKey,
        mentions: ["is required in domainless mode", "--secret"],
    },
    {
        name: "password not a secret",
        edit: (c) => {
            c.secret = false;
        },
        key: passwordKey,
        mentions: ["must be a secret", "--secret"],
    },
    {
        name: "password empty",
        edit: (c) => {
            c.password = "";
        },
        key: passwordKey,
        mentions: ["must not be empty"],
    },
    {
        name: "portableIdentity missing in domainless mode",
        edit: (c) => {
            delete c.sections.gmsa.portableIdentity;
        },
        key: "eks-gmsa:gmsa.portableIdentity",
        mentions: ["is required in domainless mode", "username"],
    },
    {
        name: "portableIdentity without username",
        edit: (c) => {
            c.sections.gmsa.portableIdentity = {};
        },
        key: "eks-gmsa:gmsa.portableIdentity.username",
        mentions: ["is required"],
    },
    {
        name: "portableIdentity given in domainJoined mode",
        edit: (c) => {
            domainJoined(c);
            c.sections.gmsa.portableIdentity = { username: "gmsa-ccg-reader" };
        },
        key: "eks-gmsa:gmsa.portableIdentity",
        mentions: ["only used in domainless mode", "domainJoined"],
    },
    {
        name: "password given in domainJoined mode",
        edit: (c) => {
            domainJoined(c);
            c.password = password;
            c.secret = true;
        },
        key: passwordKey,
        mentions: ["only used in domainless mode", "pulumi config rm"],
    },
    {
        name: "password without any gmsa section",
        edit: (c) => {
            delete c.sections.gmsa;
        },
        key: passwordKey,
        mentions: ["only used with gmsa.mode domainless"],
    },
    {
        name: "username as DOMAIN\\user",
        edit: (c) => {
            c.sections.gmsa.portableIdentity.username = "CORP\\reader";
        },
        key: "eks-gmsa:gmsa.portableIdentity.username",
        mentions: ['"CORP\\\\reader"', "not DOMAIN\\user"],
    },
    {
        name: "username as user@domain",
        edit: (c) => {
            c.sections.gmsa.portableIdentity.username = "reader@corp";
        },
        key: "eks-gmsa:gmsa.portableIdentity.username",
        mentions: ['"reader@corp"', "user@domain"],
    },
    {
        name: "username over 20 characters",
        edit: (c) => {
            c.sections.gmsa.portableIdentity.username = "gmsa-ccg-reader-account";
        },
        key: "eks-gmsa:gmsa.portableIdentity.username",
        mentions: ['"gmsa-ccg-reader-account"', "1 to 20 characters (this one has 23)"],
    },

    // --- mode, webhook, cert-manager ---
    {
        name: "mode invalid",
        edit: (c) => {
            c.sections.gmsa.mode = "hybrid";
        },
        key: "eks-gmsa:gmsa.mode",
        mentions: ['"hybrid"', '"domainless"', '"domainJoined"'],
    },
    {
        name: "mode in the wrong case",
        edit: (c) => {
            c.sections.gmsa.mode = "DomainJoined";
        },
        key: "eks-gmsa:gmsa.mode",
        mentions: ['"DomainJoined"', '"domainJoined"'],
    },
    {
        name: "webhook.replicas 1",
        edit: (c) => {
            c.sections.gmsa.webhook = { replicas: 1 };
        },
        key: "eks-gmsa:gmsa.webhook.replicas",
        mentions: ["got 1", "from 2 to 10"],
    },
    {
        name: "webhook.chartVersion 0.12.0",
        edit: (c) => {
            c.sections.gmsa.webhook = { chartVersion: "0.12.0" };
        },
        key: "eks-gmsa:gmsa.webhook.chartVersion",
        mentions: ['"0.12.0"', '"0.13.0"'],
    },
    {
        name: "webhook.releaseName over 53 characters",
        edit: (c) => {
            c.sections.gmsa.webhook = { releaseName: "g".repeat(54) };
        },
        key: "eks-gmsa:gmsa.webhook.releaseName",
        mentions: ["g".repeat(54), "at most 53 characters"],
    },
    {
        name: "webhook.releaseName not a DNS label",
        edit: (c) => {
            c.sections.gmsa.webhook = { releaseName: "Gmsa_Webhook" };
        },
        key: "eks-gmsa:gmsa.webhook.releaseName",
        mentions: ['"Gmsa_Webhook"', "DNS-1123 label"],
    },
    {
        name: "webhook.namespace not a DNS label",
        edit: (c) => {
            c.sections.gmsa.webhook = { namespace: "GMSA" };
        },
        key: "eks-gmsa:gmsa.webhook.namespace",
        mentions: ['"GMSA"', "DNS-1123 label"],
    },
    {
        name: "certManager.version without the v",
        edit: (c) => {
            c.sections.gmsa.certManager = { version: "1.19.6" };
        },
        key: "eks-gmsa:gmsa.certManager.version",
        mentions: ['"1.19.6"', "with the leading v"],
    },
    {
        name: "certManager.version below v1.19",
        edit: (c) => {
            c.sections.gmsa.certManager = { version: "v1.18.2" };
        },
        key: "eks-gmsa:gmsa.certManager.version",
        mentions: ['"v1.18.2"', "v1.19.2 or later"],
    },

    // --- sample workload ---
    {
        name: "sampleWorkload naming an unknown credential spec",
        edit: (c) => {
            c.sections.gmsa.sampleWorkload = { enabled: true, credentialSpec: "nosuch" };
        },
        key: "eks-gmsa:gmsa.sampleWorkload.credentialSpec",
        mentions: ['"nosuch"', "must name one of gmsa.accounts (webapp01)"],
    },
    {
        name: "sampleWorkload service account not allowed",
        edit: (c) => {
            c.sections.gmsa.sampleWorkload = { enabled: true, serviceAccount: "other" };
        },
        key: "eks-gmsa:gmsa.sampleWorkload.serviceAccount",
        mentions: ['"web/other"', "not allowed to use credential spec webapp01"],
    },
    {
        name: "sampleWorkload namespace not allowed",
        edit: (c) => {
            c.sections.gmsa.sampleWorkload = { enabled: true, namespace: "default" };
        },
        key: "eks-gmsa:gmsa.sampleWorkload.serviceAccount",
        mentions: ["default/", "not allowed to use credential spec webapp01"],
    },
    {
        name: "sampleWorkload enabled without accounts",
        edit: (c) => {
            c.sections.gmsa.accounts = [];
            c.sections.gmsa.sampleWorkload = { enabled: true };
        },
        key: "eks-gmsa:gmsa.sampleWorkload.credentialSpec",
        mentions: ["none configured"],
    },

    // --- unknown keys and shapes ---
    {
        name: "typo in a gmsa key",
        edit: (c) => {
            c.sections.gmsa.acounts = c.sections.gmsa.accounts;
            delete c.sections.gmsa.accounts;
        },
        key: "eks-gmsa:gmsa.acounts",
        mentions: ["unknown key", "did you mean accounts?"],
    },
    {
        name: "typo in an account key",
        edit: (c) => {
            c.sections.gmsa.accounts[0].alowed = c.sections.gmsa.accounts[0].allowed;
            delete c.sections.gmsa.accounts[0].allowed;
        },
        key: "eks-gmsa:gmsa.accounts[0].alowed",
        mentions: ["unknown key", "did you mean allowed?"],
        lines: 2,
    },
    {
        name: "typo in a webhook key",
        edit: (c) => {
            c.sections.gmsa.webhook = { replica: 3 };
        },
        key: "eks-gmsa:gmsa.webhook.replica",
        mentions: ["unknown key", "did you mean replicas?"],
    },
    // One line: nothing inside a non-mapping is read, so no follow-on problems.
    {
        name: "gmsa that is not a mapping",
        edit: (c) => {
            c.sections.gmsa = "domainless";
        },
        key: "eks-gmsa:gmsa",
        mentions: ['"domainless"', "must be an object"],
    },
    {
        name: "accounts that is not a list",
        edit: (c) => {
            c.sections.gmsa.accounts = { name: "webapp01" };
        },
        key: "eks-gmsa:gmsa.accounts",
        mentions: ["must be a list"],
    },
];

describe("gmsa settings: bad input is rejected with the exact key", () => {
    for (const c of badCases) {
        test(c.name, () => {
            const lines = problems(c.edit);
            const line = lineFor(lines, c.key);
            for (const m of c.mentions) {
                if (typeof m === "string") assert.ok(line.includes(m), `line does not mention ${JSON.stringify(m)}: ${line}`);
                else assert.match(line, m);
            }
            assert.equal(lines.length, c.lines ?? 1, `expected ${c.lines ?? 1} problem line(s), got:\n  ${lines.join("\n  ")}`);
            // A problem never shows the password.
            for (const l of lines) assert.ok(!l.includes(password), `a problem line shows the password: ${l}`);
        });
    }

    test("at least 25 distinct bad inputs", () => {
        assert.ok(badCases.length >= 25);
        assert.equal(new Set(badCases.map((c) => c.name)).size, badCases.length);
    });

    test("every mistake is reported at once", () => {
        const lines = problems((c) => {
            c.sections.activeDirectory.domainGuid = "nope";
            c.sections.gmsa.accounts[0].account = "WebApp01$";
            c.sections.gmsa.webhook = { replicas: 1 };
            c.secret = false;
        });
        for (const key of ["eks-gmsa:activeDirectory.domainGuid", "eks-gmsa:gmsa.accounts[0].account", "eks-gmsa:gmsa.webhook.replicas", passwordKey])
            lineFor(lines, key);
    });
});

describe("gmsa settings: valid input", () => {
    test("the base config parses with the documented defaults", () => {
        const s = ok();
        const g = s.gmsa!;
        assert.equal(g.mode, "domainless");
        assert.deepEqual(g.webhook, { namespace: "gmsa-webhook", releaseName: "gmsa-webhook", chartVersion: "0.13.0", replicas: 2, randomHostname: true });
        assert.deepEqual(g.certManager, { namespace: "cert-manager", releaseName: "cert-manager", version: defaultCertManagerVersion });
        assert.deepEqual(g.accounts, [{ name: "webapp01", account: "WebApp01", allowed: [{ namespace: "web", serviceAccounts: ["webapp"], create: true }] }]);
        assert.equal(g.sampleWorkload, undefined);
        assert.ok(Object.isFrozen(g));
    });

    test("create defaults to false", () => {
        const s = ok((c) => {
            delete c.sections.gmsa.accounts[0].allowed[0].create;
        });
        assert.equal(s.gmsa!.accounts[0].allowed[0].create, false);
    });

    test("gmsa.domain holds the domain facts of every credential spec", () => {
        const s = ok();
        assert.deepEqual(s.gmsa!.domain, {
            dnsName: "corp.example.com",
            forestName: "corp.example.com",
            netbiosName: "CORP",
            sid: "S-1-5-21-2725122404-4129967127-2630707939",
            guid: "0e4d3e1a-6d2b-4c6e-9a2f-3f1c2b8e7d51",
        });
    });

    test("domain facts are normalized: names lower-case, NetBIOS upper-case, GUID lower-case without braces", () => {
        const s = ok((c) => {
            Object.assign(c.sections.activeDirectory, {
                domainName: "EMEA.Corp.Example.com",
                forestName: "Corp.Example.com",
                netbiosName: "emea",
                domainGuid: "{0E4D3E1A-6D2B-4C6E-9A2F-3F1C2B8E7D51}",
            });
        });
        assert.deepEqual(s.gmsa!.domain, {
            dnsName: "emea.corp.example.com",
            forestName: "corp.example.com",
            netbiosName: "EMEA",
            sid: "S-1-5-21-2725122404-4129967127-2630707939",
            guid: "0e4d3e1a-6d2b-4c6e-9a2f-3f1c2b8e7d51",
        });
        assert.equal(s.activeDirectory!.domainGuid, "0e4d3e1a-6d2b-4c6e-9a2f-3f1c2b8e7d51");
    });

    // SID strings are case-insensitive in Windows (ConvertStringSidToSid accepts "s-1-5-21-...").
    test("domainSid is accepted in any case and normalized to upper case", () => {
        const s = ok((c) => {
            c.sections.activeDirectory.domainSid = "s-1-5-21-2725122404-4129967127-2630707939";
        });
        assert.equal(s.gmsa!.domain!.sid, "S-1-5-21-2725122404-4129967127-2630707939");
    });

    test("the forest root may be a parent of the domain", () => {
        const s = ok((c) => {
            Object.assign(c.sections.activeDirectory, { domainName: "emea.corp.example.com", netbiosName: "EMEA", forestName: "corp.example.com" });
        });
        assert.equal(s.gmsa!.domain!.forestName, "corp.example.com");
        assert.equal(s.gmsa!.domain!.dnsName, "emea.corp.example.com");
    });

    test("forestName defaults to domainName", () => {
        assert.equal(ok().activeDirectory!.forestName, "corp.example.com");
    });

    test("vpcResolver: create in domainless mode by default", () => {
        assert.deepEqual(ok().activeDirectory!.vpcResolver, { mode: "create" });
    });

    test("vpcResolver: none in domainJoined mode by default", () => {
        assert.deepEqual(ok(domainJoined).activeDirectory!.vpcResolver, { mode: "none" });
    });

    test("vpcResolver: none without a gmsa section", () => {
        const s = ok((c) => {
            delete c.sections.gmsa;
            c.password = undefined;
            c.secret = false;
        });
        assert.equal(s.gmsa, undefined);
        assert.deepEqual(s.activeDirectory!.vpcResolver, { mode: "none" });
    });

    test("vpcResolver: explicit values win", () => {
        assert.deepEqual(
            ok((c) => {
                c.sections.activeDirectory.vpcResolver = "none";
            }).activeDirectory!.vpcResolver,
            { mode: "none" },
        );
        assert.deepEqual(
            ok((c) => {
                domainJoined(c);
                c.sections.activeDirectory.vpcResolver = "create";
            }).activeDirectory!.vpcResolver,
            { mode: "create" },
        );
        assert.deepEqual(
            ok((c) => {
                c.sections.activeDirectory.vpcResolver = "rslvr-rr-0123456789abcdef0";
            }).activeDirectory!.vpcResolver,
            { mode: "existing", ruleId: "rslvr-rr-0123456789abcdef0" },
        );
    });

    test("sampleWorkload defaults to the first account's first allowed pair", () => {
        const s = ok((c) => {
            c.sections.gmsa.accounts = [
                {
                    name: "webapp01",
                    account: "WebApp01",
                    allowed: [
                        { namespace: "web", serviceAccounts: ["webapp", "webapp-canary"] },
                        { namespace: "web-staging", serviceAccounts: ["staging"] },
                    ],
                },
                account("reports", "ReportsSvc", "reporting", ["report-runner"]),
            ];
            c.sections.gmsa.sampleWorkload = { enabled: true };
        });
        assert.deepEqual(s.gmsa!.sampleWorkload, { credentialSpec: "webapp01", namespace: "web", serviceAccount: "webapp" });
    });

    test("sampleWorkload: a named credential spec and namespace pick that pair's first service account", () => {
        const s = ok((c) => {
            c.sections.gmsa.accounts.push({
                name: "reports",
                account: "ReportsSvc",
                allowed: [
                    { namespace: "reporting", serviceAccounts: ["report-runner"] },
                    { namespace: "batch", serviceAccounts: ["nightly", "weekly"] },
                ],
            });
            c.sections.gmsa.sampleWorkload = { enabled: true, credentialSpec: "reports", namespace: "batch" };
        });
        assert.deepEqual(s.gmsa!.sampleWorkload, { credentialSpec: "reports", namespace: "batch", serviceAccount: "nightly" });
    });

    test("sampleWorkload disabled is absent (and its fields are not checked against accounts)", () => {
        const s = ok((c) => {
            c.sections.gmsa.sampleWorkload = { enabled: false, credentialSpec: "nosuch" };
        });
        assert.equal(s.gmsa!.sampleWorkload, undefined);
    });

    test("the password is a SecretValue that never prints", () => {
        const s = ok();
        const identity = s.gmsa!.portableIdentity!;
        assert.equal(identity.username, "gmsa-ccg-reader");
        assert.ok(identity.password instanceof SecretValue);
        assert.equal(String(identity.password), "[secret]");
        assert.equal(JSON.stringify(identity.password), '"[secret]"');
        assert.equal(identity.password.reveal(), password);
        // The whole settings object serializes without the password.
        assert.ok(!JSON.stringify(s).includes(password));
        assert.ok(JSON.stringify(s).includes('"password":"[secret]"'));
    });

    test("domainJoined without portableIdentity parses and has no portableIdentity", () => {
        const s = ok(domainJoined);
        assert.equal(s.gmsa!.mode, "domainJoined");
        assert.equal(s.gmsa!.portableIdentity, undefined);
        assert.equal("portableIdentity" in s.gmsa!, false);
        assert.equal(s.gmsa!.accounts.length, 1);
    });

    test("several accounts with distinct names and accounts", () => {
        const s = ok((c) => {
            c.sections.gmsa.accounts.push(account("reports", "ReportsSvc", "reporting", ["report-runner", "report-scheduler"]));
        });
        assert.deepEqual(
            s.gmsa!.accounts.map((a) => [a.name, a.account]),
            [
                ["webapp01", "WebApp01"],
                ["reports", "ReportsSvc"],
            ],
        );
    });

    test("a gmsa section without accounts needs no domain facts", () => {
        const s = ok((c) => {
            c.sections.gmsa.accounts = [];
            delete c.sections.activeDirectory.domainSid;
            delete c.sections.activeDirectory.domainGuid;
        });
        assert.deepEqual(s.gmsa!.accounts, []);
        assert.equal(s.gmsa!.domain, undefined);
    });

    test("explicit webhook and cert-manager settings", () => {
        const s = ok((c) => {
            c.sections.gmsa.webhook = { namespace: "gmsa-system", releaseName: "gmsa", chartVersion: "0.13.0", replicas: 3, randomHostname: false };
            c.sections.gmsa.certManager = { namespace: "certs", releaseName: "cm", version: "v1.20.1" };
        });
        assert.deepEqual(s.gmsa!.webhook, { namespace: "gmsa-system", releaseName: "gmsa", chartVersion: "0.13.0", replicas: 3, randomHostname: false });
        assert.deepEqual(s.gmsa!.certManager, { namespace: "certs", releaseName: "cm", version: "v1.20.1" });
    });
});
