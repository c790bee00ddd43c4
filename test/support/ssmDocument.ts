// An SSM document's JSON (a Command document or an Automation runbook) as the tests read it: the
// fields they look at, typed; a step has only the inputs its action takes. Every parameter of this
// project's documents has a description and a pattern; a document without parameters has none at
// run time (the tests check that with `=== undefined`).

export interface SsmParameter {
    type: string;
    description: string;
    allowedPattern: string;
    interpolationType?: string;
    default?: unknown;
}

export interface SsmStepInputs {
    [input: string]: unknown;
    Api?: string;
    AutoScalingGroupName?: string;
    InstanceId?: string;
    InstanceIds?: string[];
    LifecycleHookName?: string;
    LifecycleActionResult?: string;
    Handler?: string;
    Script?: string;
    InputPayload?: Record<string, unknown>;
    DocumentName?: string;
    DocumentVersion?: string;
    Parameters?: Record<string, string[]>;
    runCommand?: string[];
    timeoutSeconds?: string;
}

export interface SsmStep {
    name: string;
    action: string;
    isEnd?: boolean;
    isCritical?: boolean;
    nextStep?: string;
    onFailure?: string;
    precondition?: unknown;
    inputs: SsmStepInputs;
}

export interface SsmDocument {
    schemaVersion: string;
    assumeRole?: string;
    parameters: Record<string, SsmParameter>;
    mainSteps: SsmStep[];
}

/** The document a resource's `content` (or a renderer) gives, as JSON text. */
export const parseSsmDocument = (text: string): SsmDocument => JSON.parse(text) as SsmDocument;
