// Reading a plan: lookups by URN, type, dependency and parent component; small value helpers;
// IAM and Secrets Manager ARN rules the readers share.
import type { PlanResource } from "../../planFile";
import { get, list, strings } from "../../../policy/api";
import { shownValue } from "../deployTimeValues";

/** The plan's resources, with lookups by URN and type. */
export class PlanIndex {
    private readonly byUrn = new Map<string, PlanResource>();

    constructor(readonly resources: readonly PlanResource[]) {
        for (const r of resources) this.byUrn.set(r.urn, r);
    }

    ofType(type: string): PlanResource[] {
        return this.resources.filter((r) => r.type === type);
    }

    first(type: string): PlanResource | undefined {
        return this.resources.find((r) => r.type === type);
    }

    get(urn: string | undefined): PlanResource | undefined {
        return urn === undefined ? undefined : this.byUrn.get(urn);
    }

    /** The nearest component of `type` that `r` sits under (walking `parent` URNs). */
    ancestorOfType(r: PlanResource, type: string): PlanResource | undefined {
        for (let p = this.get(r.parent); p; p = this.get(p.parent)) if (p.type === type) return p;
        return undefined;
    }

    /** The resources of `type` that `r` depends on (dependsOn, or an output feeding an input). */
    dependenciesOfType(r: PlanResource, type: string): PlanResource[] {
        return r.dependencies.map((u) => this.byUrn.get(u)).filter((d): d is PlanResource => d !== undefined && d.type === type);
    }

    /** The resources of `type` that depend on `r`. */
    dependentsOfType(r: PlanResource, type: string): PlanResource[] {
        return this.ofType(type).filter((d) => d.dependencies.includes(r.urn));
    }
}

/** The resource types the model reads. */
export const T = {
    vpc: "aws:ec2/vpc:Vpc",
    subnet: "aws:ec2/subnet:Subnet",
    natGateway: "aws:ec2/natGateway:NatGateway",
    internetGateway: "aws:ec2/internetGateway:InternetGateway",
    eksCluster: "eks:index:Cluster",
    addon: "aws:eks/addon:Addon",
    accessEntry: "aws:eks/accessEntry:AccessEntry",
    nodeGroup: "aws:eks/nodeGroup:NodeGroup",
    autoScalingGroup: "aws:autoscaling/group:Group",
    launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
    eventRule: "aws:cloudwatch/eventRule:EventRule",
    eventTarget: "aws:cloudwatch/eventTarget:EventTarget",
    association: "aws:ssm/association:Association",
    document: "aws:ssm/document:Document",
    directory: "aws:directoryservice/directory:Directory",
    instance: "aws:ec2/instance:Instance",
    instanceProfile: "aws:iam/instanceProfile:InstanceProfile",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    secret: "aws:secretsmanager/secret:Secret",
    kmsKey: "aws:kms/key:Key",
    localCommand: "command:local:Command",
    resolverEndpoint: "aws:route53/resolverEndpoint:ResolverEndpoint",
    resolverRule: "aws:route53/resolverRule:ResolverRule",
    resolverRuleAssociation: "aws:route53/resolverRuleAssociation:ResolverRuleAssociation",
    credentialSpec: "kubernetes:windows.k8s.io/v1:GMSACredentialSpec",
    sampleWorkload: "eks-gmsa:workloads:SampleWorkload",
    windowsNodes: "eks-gmsa:nodes:WindowsNodes",
    accountProvisioning: "eks-gmsa:directory:AccountProvisioning",
    rotation: "eks-gmsa:directory:PortableIdentityRotation",
    lambdaFunction: "aws:lambda/function:Function",
    snsTopic: "aws:sns/topic:Topic",
    secretRotation: "aws:secretsmanager/secretRotation:SecretRotation",
} as const;

export type Invented = Readonly<Record<string, string>> | undefined;

export const optionalShown = (v: string | undefined, invented: Invented): string | undefined => (v === undefined ? undefined : shownValue(v, invented));

export const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

export const bool = (v: unknown): boolean => v === true || v === "true";

export const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export const sortedUnique = (values: Iterable<string>): string[] => [...new Set(values)].sort(byString);

/** JSON given as a string input (IAM documents, add-on values, SSM documents), else undefined. */
export function parseJson(v: unknown): unknown {
    if (typeof v !== "string") return v;
    try {
        return JSON.parse(v);
    } catch {
        return undefined;
    }
}

/** The last segment of an ARN's resource part: role/platform-admins → platform-admins. */
export function arnShortName(arn: string): string {
    const slash = arn.lastIndexOf("/");
    if (slash >= 0) return arn.slice(slash + 1);
    const colon = arn.lastIndexOf(":");
    return colon >= 0 ? arn.slice(colon + 1) : arn;
}

/** Secrets Manager ARNs end in the secret's name plus "-" and six random characters. */
export function secretArnNames(arn: string, secretName: string): boolean {
    const marker = `:secret:${secretName}`;
    const i = arn.indexOf(marker);
    if (i < 0) return false;
    const rest = arn.slice(i + marker.length);
    return rest === "" || /^-[A-Za-z0-9]{6}$/.test(rest) || rest === "-*" || rest === "*";
}

/** A secret's name from its ARN (suffix dropped), for labels. */
export function secretNameOfArn(arn: string): string {
    const i = arn.indexOf(":secret:");
    const name = i >= 0 ? arn.slice(i + ":secret:".length) : arn;
    return name.replace(/-[A-Za-z0-9]{6}$/, "");
}

/** The secret ARNs an IAM policy document allows secretsmanager:GetSecretValue on. */
export function secretsReadBy(policyDocument: unknown): string[] {
    const arns: string[] = [];
    for (const statement of list(get(parseJson(policyDocument), "Statement"))) {
        if (get(statement, "Effect") !== "Allow") continue;
        const actions = strings(get(statement, "Action"));
        if (!actions.some((a) => a === "secretsmanager:GetSecretValue" || a === "secretsmanager:*" || a === "*")) continue;
        arns.push(...strings(get(statement, "Resource")));
    }
    return arns;
}
