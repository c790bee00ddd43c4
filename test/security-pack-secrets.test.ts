// A fork's pull request gets only the offline plan, where every secret is "[secret]": wrapping a
// gMSA workload's service account, namespace or credential spec name (or the pod template holding
// them, or a host-access setting) in pulumi.secret() must not pass the pack, its only gate. Values
// merely computed at deployment stay unjudged, but are said so (advisory). Run as the Pulumi CLI
// runs the pack (its own process, the analyzer protocol).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { defaultPackDir, startPolicyPack, type PackSession } from "../tools/policy/analyzer";
import type { Violation } from "../tools/policy/types";
import { binding, resource, saSubject } from "./policy-fixtures";
import { builtinMakers, grantedStack, newMakers, rollout, windowsPod } from "./support/podMakers";

let pack: PackSession;
before(async () => {
    pack = await startPolicyPack(defaultPackDir);
});
after(async () => {
    await pack?.close();
});

const SECRET = "[secret]";
/** What the engine sends for a value not known until deployment (a string), as @pulumi/policy decodes it. */
const COMPUTED = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const mandatory = (violations: Violation[]) => [...new Set(violations.filter((v) => v.enforcementLevel === "mandatory").map((v) => v.policyName))].sort();
const advisory = (violations: Violation[]) => violations.filter((v) => v.enforcementLevel === "advisory");
const show = (violations: Violation[]) => violations.map((v) => `${v.policyName} [${v.enforcementLevel}]: ${v.message}`).join("\n");
const messageOf = (violations: Violation[], policy: string) => violations.find((v) => v.policyName === policy)?.message ?? show(violations);

/** The stack grants webapp01 to web/webapp; a Deployment in `ns` runs `spec`. */
const deployment = (spec: Record<string, unknown>, ns = "web") => pack.analyze([...grantedStack(), ...builtinMakers.Deployment(spec, ns, "app")]);

describe("a secret where a gMSA workload's identity is decided is refused, with the fix", () => {
    test("the three ways the review found: serviceAccountName, metadata.namespace, an init container's gmsaCredentialSpecName", async () => {
        for (const [what, spec, ns, text] of [
            ["serviceAccountName", windowsPod({ serviceAccount: SECRET, gmsa: "webapp01" }), "web", /serviceAccountName is a secret in this plan/],
            ["metadata.namespace", windowsPod({ serviceAccount: "webapp", gmsa: "webapp01" }), SECRET, /metadata\.namespace is a secret in this plan/],
            [
                "an init container's gMSA",
                windowsPod({ serviceAccount: "webapp", gmsa: "webapp01", initGmsa: SECRET }),
                "web",
                /windowsOptions\.gmsaCredentialSpecName \(initContainer setup\) is a secret in this plan/,
            ],
        ] as const) {
            const v = await deployment(spec, ns);
            assert.ok(mandatory(v).includes("gmsa-workload-authorized"), `${what}:\n${show(v)}`);
            const message = messageOf(v, "gmsa-workload-authorized");
            assert.match(message, text, what);
            assert.match(message, /These names are not secret; pass them as plain strings/, what);
            assert.match(message, /only the offline plan/, what);
        }
        // The same workloads with plain values pass.
        assert.deepEqual(mandatory(await deployment(windowsPod({ serviceAccount: "webapp", gmsa: "webapp01", initGmsa: "webapp01" }))), []);
    });

    test("a secret credential spec name at the pod level or on a container, with a known service account", async () => {
        const podLevel = await deployment(windowsPod({ serviceAccount: "webapp", gmsa: SECRET }));
        assert.deepEqual(mandatory(podLevel), ["gmsa-workload-authorized"], show(podLevel));
        assert.match(messageOf(podLevel, "gmsa-workload-authorized"), /windowsOptions\.gmsaCredentialSpecName \(pod\) is a secret/);
        const container = await deployment(
            windowsPod({ serviceAccount: "webapp", container: { securityContext: { windowsOptions: { gmsaCredentialSpecName: SECRET } } } }),
        );
        assert.deepEqual(mandatory(container), ["gmsa-workload-authorized"], show(container));
        assert.match(messageOf(container, "gmsa-workload-authorized"), /windowsOptions\.gmsaCredentialSpecName \(container app\) is a secret/);
    });

    test("a secret that hides where a gMSA would be: a securityContext, windowsOptions, a container list, a pod template", async () => {
        for (const [what, spec, text] of [
            ["the pod's securityContext", windowsPod({ serviceAccount: "webapp", pod: { securityContext: SECRET } }), /securityContext \(pod\) is a secret/],
            [
                "an init container's windowsOptions",
                windowsPod({ serviceAccount: "webapp", initContainer: { securityContext: { windowsOptions: SECRET } } }),
                /securityContext\.windowsOptions \(initContainer setup\) is a secret/,
            ],
            ["the init container list", windowsPod({ serviceAccount: "webapp", pod: { initContainers: SECRET } }), /initContainers is a secret/],
        ] as const) {
            const v = await deployment(spec);
            assert.ok(mandatory(v).includes("gmsa-workload-authorized"), `${what}:\n${show(v)}`);
            assert.match(messageOf(v, "gmsa-workload-authorized"), text, what);
        }
        const template = resource("kubernetes:apps/v1:Deployment", "hidden", {
            metadata: { name: "hidden", namespace: "web" },
            spec: { selector: { matchLabels: { app: "x" } }, template: SECRET },
        });
        const v = await pack.analyze([...grantedStack(), template]);
        assert.deepEqual(mandatory(v), ["gmsa-workload-authorized", "pod-host-access-allowlist"], show(v));
        assert.match(messageOf(v, "gmsa-workload-authorized"), /^Deployment web\/hidden gives its pod spec \(spec\.template\) as a secret/);
        const rolloutTemplate = rollout(windowsPod(), "web");
        (rolloutTemplate.inputs.spec as Record<string, unknown>).template = SECRET;
        const r = await pack.analyze([...grantedStack(), rolloutTemplate]);
        assert.deepEqual(mandatory(r), ["gmsa-workload-authorized", "pod-host-access-allowlist"], show(r));
        assert.match(messageOf(r, "gmsa-workload-authorized"), /gives spec\.template as a secret/);
    });

    test("every kind that makes pods: a secret service account on a gMSA pod is refused", async () => {
        for (const [way, make] of Object.entries(newMakers)) {
            const v = await pack.analyze([...grantedStack(), ...make(windowsPod({ serviceAccount: SECRET, gmsa: "webapp01" }), "web")]);
            assert.deepEqual(mandatory(v), ["gmsa-workload-authorized"], `${way}:\n${show(v)}`);
            assert.match(messageOf(v, "gmsa-workload-authorized"), /serviceAccountName is a secret/, way);
        }
    });

    test("a RoleBinding whose subjects are a secret is not counted as a grant", async () => {
        const secretSubjects = binding("RoleBinding", "hidden-grant", { kind: "ClusterRole", name: "gmsa-use-webapp01" }, [], "web");
        secretSubjects.inputs.subjects = SECRET;
        const v = await pack.analyze([
            ...grantedStack(),
            secretSubjects,
            ...builtinMakers.Deployment(windowsPod({ serviceAccount: "intruder", gmsa: "webapp01" }), "web", "app"),
        ]);
        assert.deepEqual(mandatory(v), ["gmsa-workload-authorized"], show(v));
        const message = messageOf(v, "gmsa-workload-authorized");
        assert.match(message, /runs as service account web\/intruder, which may not use GMSACredentialSpec "webapp01"/);
        assert.match(message, /RoleBinding web\/hidden-grant \(subjects\) might grant it, but the parts listed are secrets in this plan/);
    });

    test("the same secret service account: refused as the offline plan's placeholder; through the engine, judged by its value", async () => {
        const offline = await deployment(windowsPod({ serviceAccount: SECRET, gmsa: "webapp01" }));
        assert.match(messageOf(offline, "gmsa-workload-authorized"), /serviceAccountName is a secret in this plan/);
        // The engine sends secrets to analyzers (KeepSecrets) and @pulumi/policy unwraps them: the pack sees the value.
        const engineSecret = (value: string) => ({ [specialSigKey]: specialSecretSig, value }) as unknown as string;
        const intruder = await deployment(windowsPod({ serviceAccount: engineSecret("intruder"), gmsa: "webapp01" }));
        assert.deepEqual(mandatory(intruder), ["gmsa-workload-authorized"], show(intruder));
        assert.match(messageOf(intruder, "gmsa-workload-authorized"), /runs as service account web\/intruder, which may not use/);
        assert.deepEqual(show(await deployment(windowsPod({ serviceAccount: engineSecret("webapp"), gmsa: engineSecret("webapp01") }))), "");
    });
});

describe("values computed at deployment are left to that run, and said so (advisory)", () => {
    test("service account, namespace, credential spec name: no mandatory finding, one advisory naming --policy-pack at deployment", async () => {
        for (const [what, spec, ns, text] of [
            ["serviceAccountName", windowsPod({ serviceAccount: COMPUTED, gmsa: "webapp01" }), "web", /serviceAccountName is not known until deployment/],
            ["metadata.namespace", windowsPod({ serviceAccount: "webapp", gmsa: "webapp01" }), COMPUTED, /metadata\.namespace is not known until deployment/],
            [
                "an init container's gMSA",
                windowsPod({ serviceAccount: "webapp", gmsa: "webapp01", initGmsa: COMPUTED }),
                "web",
                /gmsaCredentialSpecName \(initContainer setup\) is not known until deployment/,
            ],
        ] as const) {
            const v = await deployment(spec, ns);
            assert.deepEqual(mandatory(v), [], `${what}:\n${show(v)}`);
            const deferred = advisory(v).filter((x) => x.policyName === "gmsa-authorization-deferred");
            assert.equal(deferred.length, 1, `${what}:\n${show(v)}`);
            assert.match(deferred[0].message, text, what);
            assert.match(deferred[0].message, /only when the deployment runs this pack too \(pulumi up --policy-pack/, what);
        }
        // A workload without any gMSA is not about gMSA authorization: nothing to say.
        assert.equal(show(await deployment(windowsPod({ serviceAccount: COMPUTED }))), "");
    });

    test("a binding whose subjects are computed at deployment: the intruder is not refused now, but the advisory names the binding", async () => {
        const computedSubjects = binding("RoleBinding", "later", { kind: "ClusterRole", name: "gmsa-use-webapp01" }, [saSubject(COMPUTED, "web")], "web");
        const v = await pack.analyze([
            ...grantedStack(),
            computedSubjects,
            ...builtinMakers.Deployment(windowsPod({ serviceAccount: "intruder", gmsa: "webapp01" }), "web", "app"),
        ]);
        assert.deepEqual(mandatory(v), [], show(v));
        assert.match(messageOf(v, "gmsa-authorization-deferred"), /web\/intruder .*"webapp01".*RoleBinding web\/later \(subjects\) might/);
    });
});

describe("a secret where host access is decided counts as asking for it", () => {
    const daemonSet = (spec: Record<string, unknown>, ns: string) => pack.analyze(builtinMakers.DaemonSet(spec, ns, "agent"));
    const POLICY = "pod-host-access-allowlist";

    test("hostNetwork, privileged, hostProcess or a container's securityContext given as a secret: refused outside the allow-lists", async () => {
        for (const [what, spec, text] of [
            ["hostNetwork", windowsPod({ pod: { hostNetwork: SECRET } }), /hostNetwork hidden by a secret \(pod\)/],
            [
                "privileged",
                windowsPod({ container: { securityContext: { privileged: SECRET } } }),
                /securityContext\.privileged hidden by a secret \(container app\)/,
            ],
            [
                "hostProcess",
                windowsPod({ pod: { securityContext: { windowsOptions: { hostProcess: SECRET } } } }),
                /windowsOptions\.hostProcess hidden by a secret \(pod\)/,
            ],
            [
                "a container's securityContext",
                windowsPod({ container: { securityContext: SECRET } }),
                /windowsOptions\.hostProcess hidden by a secret \(container app\), securityContext\.privileged hidden by a secret \(container app\)/,
            ],
        ] as const) {
            const v = await daemonSet(spec, "web");
            // A secret securityContext may hide a gMSA too (gmsa-workload-authorized says so).
            assert.deepEqual(mandatory(v), what === "a container's securityContext" ? ["gmsa-workload-authorized", POLICY] : [POLICY], `${what}:\n${show(v)}`);
            assert.match(messageOf(v, POLICY), text, what);
            assert.match(messageOf(v, POLICY), /these settings are not secret; give them as plain values/, what);
        }
        // Where the access itself is allowed, a secret hiding it is too.
        assert.deepEqual(mandatory(await daemonSet(windowsPod({ pod: { hostNetwork: SECRET } }), "kube-system")), []);
    });

    test("a host-access pod in a namespace given as a secret is refused (a secret namespace is in no allow-list)", async () => {
        const v = await daemonSet(windowsPod({ pod: { hostNetwork: true } }), SECRET);
        assert.deepEqual(mandatory(v), [POLICY], show(v));
        assert.match(messageOf(v, POLICY), /hostNetwork: true \(pod\) in a namespace given as a secret/);
        // Computed at deployment: left to that run.
        assert.deepEqual(mandatory(await daemonSet(windowsPod({ pod: { hostNetwork: true } }), COMPUTED)), []);
    });
});
