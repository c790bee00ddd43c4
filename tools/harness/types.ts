import type { AliasSpec } from "./engineUrns";
import type { ProgramConfig } from "./stackConfig";

/** What a StackReference to another stack answers: its outputs, and which of them are secret. */
export interface StackReferenceAnswer {
    outputs: Record<string, unknown>;
    secretOutputNames: string[];
}

/** What the AWS account looks like to the program's lookups before it registers anything. */
export interface AwsAccountState {
    /** The ARN sts:GetCallerIdentity returns for whoever runs `pulumi up` (default: offlineCaller). */
    caller?: string;
    /** EKS clusters that exist already, by name, with their tags (default: none, a first `pulumi up`). */
    existingClusters?: Record<string, { tags: Record<string, string> }>;
}

export interface HarnessRequest {
    project: string;
    stack: string;
    program: string;
    config: ProgramConfig;
    resultFile: string;
    /** By fully qualified stack name (org/project/stack); an unknown name fails loudly. */
    stackReferences: Record<string, StackReferenceAnswer>;
    aws?: AwsAccountState;
}

export interface ResourceOptions {
    custom: boolean;
    remote?: boolean;
    provider?: string;
    /** Providers a (remote) component passes to its children, by package name. */
    providers?: Record<string, string>;
    ignoreChanges?: string[];
    replaceOnChanges?: string[];
    additionalSecretOutputs?: string[];
    deleteBeforeReplace?: boolean;
    /** URNs this resource was known by before (its `aliases` option, resolved as the engine does). */
    aliases?: string[];
    retainOnDelete?: boolean;
}

/** One resource as the program registered it. Inputs are in Pulumi's serialized form. */
export interface RegisteredResource {
    urn: string;
    type: string;
    name: string;
    parent?: string;
    dependencies: string[];
    /** Per input key, the URNs of the resources its value came from (what a preview's cascade follows). */
    propertyDependencies: Record<string, string[]>;
    protect: boolean;
    inputs: Record<string, unknown>;
    options: ResourceOptions;
    /** The aliases as the SDK sent them (for engine URNs, tools/harness/engineUrns.ts); not in plans. */
    aliasSpecs?: AliasSpec[];
}

export interface HarnessResult {
    resources: RegisteredResource[];
    outputs: Record<string, unknown>;
    /** Errors the program raised (validation errors arrive here as their message, no stack). */
    errors: string[];
    /** Values the mocks made up, with what each stands for (known only at deploy time). */
    invented?: Record<string, string>;
}
