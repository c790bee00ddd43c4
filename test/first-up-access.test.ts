// A first `pulumi up` that succeeds (issue 11): who creates the cluster and its access entries, the
// kubeconfig the Kubernetes provider deploys with, and what gMSA pods wait for.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { inputs, ofType, one, runOk, runStack, userResources, type StackRun } from "./helpers";
import { clusterCreatorTag, creatorAccess, creatorTagValue, resolveClusterCreator, type CreatorLookups } from "../components/clusterCreator";
import { renderKubeconfig } from "../components/kubeconfig";
import { iamPrincipalOf, samePrincipal } from "../lib/aws";
import { unwrapSecrets } from "../tools/harness/normalize";
import { mockAccountId, offlineCaller } from "../tools/harness/mocks";
import { deployedClusters, toPlan } from "../tools/planFile";

const role = (name: string) => `arn:aws:iam::${mockAccountId}:role/${name}`;
const session = (roleName: string, who: string) => `arn:aws:sts::${mockAccountId}:assumed-role/${roleName}/${who}`;
const devCluster = "eks-gmsa-dev";

function entryPrincipals(run: StackRun): string[] {
    return (Object.values(inputs(one(run, "eks:index:Cluster")).accessEntries) as { principalArn: string }[]).map((e) => e.principalArn).sort();
}

function creatorTagOf(run: StackRun): string | undefined {
    return inputs(one(run, "eks:index:Cluster")).clusterTags?.[clusterCreatorTag];
}

describe("the cluster's creator and the access entries (dev: no deploy role)", () => {
    test("a first run by a configured cluster admin leaves its entry to EKS and records it as the creator", () => {
        const run = runOk({ stack: "dev", aws: { caller: session("platform-admins", "alice") } });
        assert.deepEqual(entryPrincipals(run), [role("app-team-web"), role("developers-readonly")]);
        assert.equal(creatorTagOf(run), role("platform-admins"));
    });

    test("a first run by anyone else creates every configured entry and records the caller's role", () => {
        const run = runOk({ stack: "dev", aws: { caller: session("ci-deployer", "build-17") } });
        assert.deepEqual(entryPrincipals(run), [role("app-team-web"), role("developers-readonly"), role("platform-admins")]);
        assert.equal(creatorTagOf(run), role("ci-deployer"));
    });

    test("a first run by a configured viewer stops before anything is registered, naming the key", () => {
        const run = runStack({ stack: "dev", aws: { caller: session("developers-readonly", "bob") } });
        assert.equal(run.errors.length, 1);
        assert.match(run.errors[0], /eks-gmsa:access\.viewers\[0\]: arn:aws:iam::\d{12}:role\/developers-readonly is the principal running this `pulumi up`/);
        assert.match(run.errors[0], /set eks-gmsa:cluster\.deployRoleArn/);
        assert.deepEqual(userResources(run), []);
    });

    test("a later run, by someone else, still leaves the recorded creator's entry to EKS", () => {
        const run = runOk({
            stack: "dev",
            aws: { caller: session("ci-deployer", "build-18"), existingClusters: { [devCluster]: { tags: { [clusterCreatorTag]: role("platform-admins") } } } },
        });
        assert.deepEqual(entryPrincipals(run), [role("app-team-web"), role("developers-readonly")]);
        assert.equal(creatorTagOf(run), role("platform-admins"), "the tag keeps the creator, not the caller");
    });

    test("a cluster created before the tag existed: its creator is unknown, so every entry stays and no tag is invented", () => {
        const run = runOk({ stack: "dev", aws: { caller: session("platform-admins", "alice"), existingClusters: { [devCluster]: { tags: {} } } } });
        assert.deepEqual(entryPrincipals(run), [role("app-team-web"), role("developers-readonly"), role("platform-admins")]);
        assert.equal(creatorTagOf(run), undefined);
    });
});

describe("the cluster's creator with a deploy role (prod)", () => {
    test("the deploy role is the creator whoever runs `pulumi up`: every configured entry is created", () => {
        const run = runOk({ stack: "prod", aws: { caller: session("platform-admins", "alice") } });
        assert.deepEqual(entryPrincipals(run), [role("app-team-web"), role("platform-admins"), role("sre-readonly")]);
        assert.equal(creatorTagOf(run), role("eks-gmsa-deploy"));
    });

    test("the deploy role in an access list is a config error naming the key, also when written with a path", () => {
        for (const [access, key] of [
            [{ clusterAdmins: [role("platform-admins"), role("ci/eks-gmsa-deploy")] }, "clusterAdmins\\[1\\]"],
            [{ viewers: [role("eks-gmsa-deploy")] }, "viewers\\[0\\]"],
            [{ namespaceAdmins: [{ principalArn: role("eks-gmsa-deploy"), namespaces: ["web"] }] }, "namespaceAdmins\\[0\\]\\.principalArn"],
        ] as const) {
            const run = runStack({ stack: "prod", overrides: { "eks-gmsa:access": access } });
            assert.equal(run.errors.length, 1);
            assert.match(
                run.errors[0],
                new RegExp(
                    `eks-gmsa:access\\.${key}: got "arn:aws:iam::\\d{12}:role/(ci/)?eks-gmsa-deploy"; is eks-gmsa:cluster\\.deployRoleArn, .*ResourceInUseException`,
                ),
            );
            assert.deepEqual(userResources(run), []);
        }
    });

    test("one principal twice in the access lists is one error, also when one ARN carries a path", () => {
        const run = runStack({ stack: "dev", overrides: { "eks-gmsa:access": { clusterAdmins: [role("admins")], viewers: [role("team/admins")] } } });
        assert.match(
            run.errors[0],
            /eks-gmsa:access\.viewers\[0\]: got "arn:aws:iam::\d{12}:role\/team\/admins"; is already given access as access\.clusterAdmins\[0\]/,
        );
    });
});

describe("the day-2 plan (npm run plan --against)", () => {
    test("finds the old plan's cluster with the creator it recorded, so a re-run by a listed admin changes no entry", () => {
        const first = runOk({ stack: "dev", aws: { caller: session("platform-admins", "alice") } });
        const existing = deployedClusters(toPlan("eks-gmsa", first));
        assert.equal(existing[devCluster].tags[clusterCreatorTag], role("platform-admins"));
        const again = runOk({ stack: "dev", aws: { caller: offlineCaller, existingClusters: existing } });
        assert.deepEqual(entryPrincipals(again), entryPrincipals(first));
        assert.equal(creatorTagOf(again), role("platform-admins"));
    });
});

describe("resolveClusterCreator and creatorAccess", () => {
    const lookups = (names: string[], tags: Record<string, string>, caller: string): CreatorLookups & { calls: string[] } => {
        const calls: string[] = [];
        return {
            calls,
            clusterNames: async () => {
                calls.push("names");
                return names;
            },
            clusterTags: async () => {
                calls.push("tags");
                return tags;
            },
            callerPrincipal: async () => {
                calls.push("caller");
                return caller;
            },
        };
    };

    test("a deploy role needs no AWS lookup", async () => {
        const l = lookups([], {}, role("x"));
        assert.deepEqual(await resolveClusterCreator("c", role("deploy"), l), { principalArn: role("deploy"), source: "deployRole" });
        assert.deepEqual(l.calls, []);
    });

    test("an existing cluster's tag wins over the caller; a missing cluster means the caller creates it", async () => {
        assert.deepEqual(await resolveClusterCreator("c", undefined, lookups(["c"], { [clusterCreatorTag]: role("a") }, role("b"))), {
            principalArn: role("a"),
            source: "clusterTag",
        });
        assert.deepEqual(await resolveClusterCreator("c", undefined, lookups(["other"], {}, role("b"))), { principalArn: role("b"), source: "caller" });
        assert.equal(await resolveClusterCreator("c", undefined, lookups(["c"], {}, role("b"))), undefined);
    });

    test("a creator listed as namespace admin is refused; as cluster admin its entry is skipped", () => {
        const access = { clusterAdmins: [role("admins")], namespaceAdmins: [{ principalArn: role("team"), namespaces: ["web"] }], viewers: [] };
        assert.deepEqual(creatorAccess(access, { principalArn: role("teams/admins"), source: "caller" }), {
            problems: [],
            skippedClusterAdmin: role("admins"),
        });
        const refused = creatorAccess(access, { principalArn: role("team"), source: "clusterTag" });
        assert.equal(refused.skippedClusterAdmin, undefined);
        assert.deepEqual(refused.problems, [
            `eks-gmsa:access.namespaceAdmins[0].principalArn: ${role("team")} is the cluster's creator (its ${clusterCreatorTag} tag); EKS gives a cluster's creator an access entry with cluster admin, so it cannot also be one of access.namespaceAdmins: remove it from the list`,
        ]);
    });
});

describe("the creator tag", () => {
    test("records the role without its path; a comma (allowed in IAM names, not in tag values) stops before anything is registered", () => {
        assert.equal(creatorTagValue(role("teams/platform/admins")), role("admins"));
        const run = runStack({ stack: "dev", aws: { caller: session("ops,admins", "carol") } });
        assert.match(run.errors[0], /cannot record the cluster's creator arn:aws:iam::\d{12}:role\/ops,admins in the eks-gmsa:cluster-creator tag/);
        assert.deepEqual(userResources(run), []);
    });
});

describe("IAM principals", () => {
    test("a role is the same with or without a path, and an assumed-role session is its role", () => {
        assert.ok(samePrincipal(role("platform/admins"), role("admins")));
        assert.ok(samePrincipal(session("admins", "alice"), role("Admins")));
        assert.ok(!samePrincipal(role("admins"), `arn:aws:iam::${mockAccountId}:user/admins`));
        assert.ok(!samePrincipal(role("admins"), "arn:aws:iam::210987654321:role/admins"));
        assert.deepEqual(iamPrincipalOf(`arn:aws-us-gov:iam::${mockAccountId}:user/ops/alice`), {
            partition: "aws-us-gov",
            account: mockAccountId,
            kind: "user",
            name: "alice",
        });
        assert.equal(iamPrincipalOf("arn:aws:iam::123:role/x"), undefined);
    });
});

/** The parts of a kubeconfig these tests read. */
interface Kubeconfig {
    "current-context": string;
    clusters: { name: string; cluster: { server: string; "certificate-authority-data": string } }[];
    contexts: { name: string; context: { cluster: string; user: string } }[];
    users: { name: string; user: { exec: { command: string; apiVersion: string; args: string[] } } }[];
}

/** The entry of a kubeconfig list with this name (the test fails if there is none). */
function entryNamed<T extends { name: string }>(entries: T[], name: string): T {
    const found = entries.find((e) => e.name === name);
    assert.ok(found, `no entry named ${name}`);
    return found;
}

function providerKubeconfig(run: StackRun): Kubeconfig {
    const provider = one(run, "pulumi:providers:kubernetes");
    assert.equal(inputs(provider).kubeconfig, "[secret]", "the provider's kubeconfig stays a secret");
    return JSON.parse(unwrapSecrets(provider.inputs.kubeconfig) as string);
}

describe("the Kubernetes provider's kubeconfig", () => {
    test("with aws:profile, `aws eks get-token` runs with that profile (dev: no deploy role)", () => {
        const config = providerKubeconfig(runOk({ stack: "dev", overrides: { "aws:profile": "platform-dev" } }));
        const args: string[] = config.users[0].user.exec.args;
        assert.deepEqual(args.slice(args.indexOf("--profile"), args.indexOf("--profile") + 2), ["--profile", "platform-dev"]);
        assert.ok(!args.includes("--role-arn"));
        assert.deepEqual(args.slice(0, 6), ["--region", "us-west-2", "eks", "get-token", "--cluster-name", devCluster]);
        assert.match(config.clusters[0].cluster.server, /^https:\/\/[0-9A-F]{32}\.gr7\.us-west-2\.eks\.amazonaws\.com$/);
    });

    test("with a deploy role and aws:profile, the token is the deploy role's, assumed from that profile (prod)", () => {
        const args: string[] = providerKubeconfig(runOk({ stack: "prod", overrides: { "aws:profile": "ci" } })).users[0].user.exec.args;
        assert.deepEqual(args.slice(args.indexOf("--role-arn"), args.indexOf("--role-arn") + 2), ["--role-arn", role("eks-gmsa-deploy")]);
        assert.deepEqual(args.slice(args.indexOf("--profile"), args.indexOf("--profile") + 2), ["--profile", "ci"]);
    });

    test("renderKubeconfig: one cluster, context and exec user, as kubectl and the provider read them", () => {
        const config: Kubeconfig = JSON.parse(renderKubeconfig({ clusterName: "c", endpoint: "https://x", certificateAuthority: "Q0E=", region: "eu-west-1" }));
        const context = entryNamed(config.contexts, config["current-context"]).context;
        assert.deepEqual(entryNamed(config.clusters, context.cluster).cluster, { server: "https://x", "certificate-authority-data": "Q0E=" });
        const user = entryNamed(config.users, context.user).user.exec;
        assert.equal(user.command, "aws");
        assert.equal(user.apiVersion, "client.authentication.k8s.io/v1beta1");
        assert.deepEqual(user.args, ["--region", "eu-west-1", "eks", "get-token", "--cluster-name", "c", "--output", "json"]);
    });
});

describe("gMSA pods wait for their credential spec and for host DNS of the domain", () => {
    const dev = runOk({ stack: "dev" });
    const credspec = one(dev, "kubernetes:windows.k8s.io/v1:GMSACredentialSpec", "credspec-webapp01").urn;
    const association = one(dev, "aws:route53/resolverRuleAssociation:ResolverRuleAssociation").urn;
    for (const [type, name] of [
        ["kubernetes:apps/v1:Deployment", "sample-iis"],
        ["kubernetes:batch/v1:Job", "gmsa-verify"],
    ]) {
        test(`${name} depends on the GMSACredentialSpec it names and on the Resolver rule association`, () => {
            const deps = one(dev, type, name).dependencies;
            assert.ok(deps.includes(credspec), `${name} must wait for credspec-webapp01`);
            assert.ok(deps.includes(association), `${name} must wait for the domain's forwarding rule in the VPC`);
        });
    }
    test("every gMSA workload of the stack is covered", () => {
        const gmsaPods = [...ofType(dev, "kubernetes:apps/v1:Deployment"), ...ofType(dev, "kubernetes:batch/v1:Job")].filter((r) =>
            JSON.stringify(r.inputs).includes("gmsaCredentialSpecName"),
        );
        assert.deepEqual(gmsaPods.map((r) => r.name).sort(), ["gmsa-verify", "sample-iis"]);
    });
});
