// gmsa-app: a Windows web app that runs as a group Managed Service Account (gMSA) on a cluster
// built by the eks-gmsa platform stack. This program owns only the app's Deployment and Service.
// The cluster, the GMSACredentialSpec, the namespace, the service account and the RBAC that lets
// that service account use the credential spec all belong to the platform stack; this program
// reads them through a StackReference.
//
//   config → checked settings → StackReference → checked against the platform → Deployment, Service
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

interface AppSettings {
    /** The platform stack, fully qualified: <org>/<project>/<stack>. */
    platformStack: string;
    /** The GMSACredentialSpec the pods run as (a name the platform publishes). */
    credentialSpec: string;
    namespace: string;
    serviceAccount: string;
    replicas: number;
    image: string;
}

const settingKeys = ["platformStack", "credentialSpec", "namespace", "serviceAccount", "replicas", "image"] as const;
type SettingKey = (typeof settingKeys)[number];

const config = new pulumi.Config();
/** The full config key, as `pulumi config set` and the stack file spell it: gmsa-app:replicas. */
const keyOf = (key: SettingKey): string => `${config.name}:${key}`;

function dns1123Label(v: string): string | undefined {
    return /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(v)
        ? undefined
        : "must be a DNS-1123 label: lower-case letters, digits and '-', at most 63 characters, starting and ending with a letter or digit";
}

function dns1123Subdomain(v: string): string | undefined {
    return v.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(v)
        ? undefined
        : "must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit";
}

/**
 * Reads and checks every setting. On any problem it throws a RunError listing all of them, one
 * line each, naming the key: Pulumi prints it without a stack trace, and as this runs before the
 * first resource, nothing is registered.
 */
function readSettings(): AppSettings {
    const problems: string[] = [];
    const problem = (key: SettingKey, value: string | undefined, message: string) =>
        problems.push(value === undefined ? `${keyOf(key)}: ${message}` : `${keyOf(key)}: got ${JSON.stringify(value)}; ${message}`);
    const read = (key: SettingKey, check: (v: string) => string | undefined, hint: string): string => {
        const value = config.get(key);
        if (value === undefined || value.trim() === "") {
            problem(key, undefined, `is required; ${hint}`);
            return "";
        }
        const error = check(value);
        if (error) problem(key, value, error);
        return value;
    };

    const platformStack = read(
        "platformStack",
        (v) =>
            /^[^/\s]+\/[^/\s]+\/[^/\s]+$/.test(v)
                ? undefined
                : "must be the platform stack's fully qualified name, <org>/<project>/<stack> (e.g. my-org/eks-gmsa/prod)",
        "the platform stack, e.g. pulumi config set platformStack my-org/eks-gmsa/prod",
    );
    const credentialSpec = read(
        "credentialSpec",
        dns1123Subdomain,
        "the credential spec to run as (the platform stack's gmsaCredentialSpecs output lists them)",
    );
    const namespace = read("namespace", dns1123Label, "the namespace to deploy into");
    const serviceAccount = read("serviceAccount", dns1123Subdomain, "the pods' service account, one the platform allows to use the credential spec");
    const image = read(
        "image",
        (v) => (/\s/.test(v) ? "must be an image reference without spaces" : undefined),
        "a Windows image matching the nodes' Windows Server version, e.g. mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022",
    );

    let replicas = 1;
    const replicasText = config.get("replicas");
    if (replicasText !== undefined) {
        if (/^\d+$/.test(replicasText.trim()) && Number(replicasText) >= 1) replicas = Number(replicasText);
        else problem("replicas", replicasText, "must be a whole number of at least 1 (the number of Windows pods)");
    }

    // A misspelt key would otherwise be ignored silently (and its default used).
    const known = new Set<string>(settingKeys.map(keyOf));
    for (const key of Object.keys(pulumi.runtime.allConfig()).sort()) {
        if (key.startsWith(`${config.name}:`) && !known.has(key)) {
            problems.push(`${key}: unknown setting; the settings are ${settingKeys.map(keyOf).join(", ")}`);
        }
    }

    if (problems.length > 0) {
        throw new pulumi.RunError(`invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  ${problems.join("\n  ")}`);
    }
    return { platformStack, credentialSpec, namespace, serviceAccount, replicas, image };
}

/** One entry of the platform's gmsaCredentialSpecs output. */
interface PublishedCredentialSpec {
    name: string;
    account: string;
    allowed: { namespace: string; serviceAccounts: string[] }[];
}

function isPublishedCredentialSpec(v: unknown): v is PublishedCredentialSpec {
    const spec = v as PublishedCredentialSpec;
    return (
        typeof spec === "object" &&
        spec !== null &&
        typeof spec.name === "string" &&
        Array.isArray(spec.allowed) &&
        spec.allowed.every((p) => typeof p?.namespace === "string" && Array.isArray(p.serviceAccounts))
    );
}

/**
 * Why the gMSA webhook would reject this app's pods, judged from what the platform publishes, or
 * undefined when (namespace, serviceAccount) may use the credential spec.
 */
function admissionProblem(published: unknown, s: AppSettings): string | undefined {
    if (!Array.isArray(published) || !published.every(isPublishedCredentialSpec)) {
        return `${keyOf("platformStack")}: stack ${s.platformStack} has no usable gmsaCredentialSpecs output (got ${JSON.stringify(published)}); is it an eks-gmsa stack with eks-gmsa:gmsa configured?`;
    }
    const spec = published.find((p) => p.name === s.credentialSpec);
    if (!spec) {
        const names = published.map((p) => p.name).join(", ") || "none";
        return (
            `${keyOf("credentialSpec")}: got ${JSON.stringify(s.credentialSpec)}; platform stack ${s.platformStack} has no such credential spec (available: ${names}). ` +
            "Use one of those, or ask the platform team to add it to eks-gmsa:gmsa.accounts."
        );
    }
    const allowed = spec.allowed.some((p) => p.namespace === s.namespace && p.serviceAccounts.includes(s.serviceAccount));
    if (!allowed) {
        const who = spec.allowed.flatMap((p) => p.serviceAccounts.map((sa) => `${p.namespace}/${sa}`)).join(", ") || "nobody";
        return (
            `${keyOf("serviceAccount")}: got ${JSON.stringify(s.serviceAccount)} in ${keyOf("namespace")} ${JSON.stringify(s.namespace)}; ` +
            `service account ${s.namespace}/${s.serviceAccount} may not use credential spec ${spec.name} (allowed: ${who}). ` +
            `Set ${keyOf("namespace")} and ${keyOf("serviceAccount")} to an allowed pair, or ask the platform team to allow ${s.namespace}/${s.serviceAccount} in ${spec.name}'s eks-gmsa:gmsa.accounts entry.`
        );
    }
    return undefined;
}

// ---------------------------------------------------------------------------------------------

const settings = readSettings();
const appName = pulumi.getProject();

const platform = new pulumi.StackReference(settings.platformStack);

// The platform exports its kubeconfig as a secret, so the provider's state keeps it encrypted;
// pulumi.secret makes sure of it even against a platform stack that forgot to.
const provider = new k8s.Provider("platform", { kubeconfig: pulumi.secret(platform.requireOutput("kubeconfig")) });

// The windows-gmsa admission webhook checks every pod that names a credential spec: the
// GMSACredentialSpec must exist, and the pod's service account must be allowed (RBAC verb `use`
// on that credential spec, granted by the platform per namespace and service account). A
// Deployment breaking either rule is accepted by the API server, but the webhook rejects each of
// its pods, and `pulumi up` would wait on a rollout that can never finish. The platform publishes
// the same facts in its gmsaCredentialSpecs output, so check them here, where a mistake fails
// `pulumi preview` in seconds. Stack outputs are only known asynchronously, so the check runs in
// an apply; the app's resources take their namespace, service account and credential spec from
// its result, so when it throws none of them is registered.
const identity = platform.getOutput("gmsaCredentialSpecs").apply((published: unknown) => {
    const problem = admissionProblem(published, settings);
    if (problem) throw new pulumi.RunError(`the platform's gMSA webhook would reject this app's pods:\n  ${problem}`);
    return { namespace: settings.namespace, serviceAccount: settings.serviceAccount, credentialSpec: settings.credentialSpec };
});

const selector = { "app.kubernetes.io/name": appName };
const labels = { ...selector, "app.kubernetes.io/managed-by": "pulumi" };

const deployment = new k8s.apps.v1.Deployment(
    appName,
    {
        metadata: { name: appName, namespace: identity.namespace, labels },
        spec: {
            replicas: settings.replicas,
            selector: { matchLabels: selector },
            template: {
                metadata: { labels },
                spec: {
                    os: { name: "windows" },
                    serviceAccountName: identity.serviceAccount,
                    securityContext: { windowsOptions: { gmsaCredentialSpecName: identity.credentialSpec } },
                    // Windows nodes carry a taint; both come from the platform so they stay in step.
                    nodeSelector: platform.requireOutput("windowsNodeSelector"),
                    tolerations: platform.requireOutput("windowsTolerations"),
                    containers: [{ name: "web", image: settings.image, ports: [{ name: "http", containerPort: 80 }] }],
                },
            },
        },
        // The first pull of a Windows image onto a node takes many minutes.
    },
    { provider, customTimeouts: { create: "30m", update: "30m" } },
);

const service = new k8s.core.v1.Service(
    appName,
    {
        metadata: { name: appName, namespace: identity.namespace, labels },
        spec: { type: "ClusterIP", selector, ports: [{ name: "http", port: 80, targetPort: "http" }] },
    },
    { provider },
);

export const deploymentName = deployment.metadata.name;
export const namespace = deployment.metadata.namespace;
export const serviceName = service.metadata.name;
