// An in-memory model of ONE AWS Secrets Manager secret's versions and staging labels, served on
// loopback in the JSON protocol boto3 speaks (POST / with X-Amz-Target secretsmanager.<Op>), so a
// real rotation function runs against it (AWS_ENDPOINT_URL_SECRETS_MANAGER=model.url, any
// credentials). Each rule cites the API Reference (botocore's service model carries the same text).
//
// API:
//   const model = await startSecretsManagerModel({ arn, name, value })   first version: AWSCURRENT
//   model.url, model.close()
//   model.stages()                 { versionId: labels[] } of labelled versions (DescribeSecret's view)
//   model.value(versionId | label) the SecretString, or undefined
//   model.requests                 [{ op, versionId?, stage? }] of every call (never a value)
//   await model.rotate(invoke)     RotateSecret, then the four steps in order through invoke(event);
//                                  stops at the first that throws, leaving the labels as they are
//   await model.retry(invoke)      the reattempt Secrets Manager makes: the four steps again with
//                                  the token of the incomplete rotation's AWSPENDING version
//   await model.configure(invoke)  RotateSecret with RotateImmediately=false: "tests the rotation
//                                  configuration by running the testSecret step ... creates an
//                                  AWSPENDING version of the secret and then removes it"
//   Operations: DescribeSecret, GetSecretValue, PutSecretValue, UpdateSecretVersionStage,
//   GetRandomPassword, RotateSecret. Anything else answers InvalidAction.
import { randomInt, randomUUID } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export type RotationStep = "createSecret" | "setSecret" | "testSecret" | "finishSecret";
export const rotationSteps: readonly RotationStep[] = ["createSecret", "setSecret", "testSecret", "finishSecret"];
export interface RotationEvent {
    Step: RotationStep;
    SecretId: string;
    ClientRequestToken: string;
}
/** What rotate() and retry() report: the token and, when a step threw, which and its message. */
export interface RotationRun {
    token: string;
    completed: RotationStep[];
    failed?: { step: RotationStep; error: string };
}

export class ServiceError extends Error {
    constructor(
        readonly type: string,
        message: string,
    ) {
        super(message);
    }
}

interface Version {
    id: string;
    value?: string;
    labels: Set<string>;
    created: number;
    /** When it was made, in hours of the model's clock (advanceHours). */
    madeAtHour?: number;
}

/** The state and rules, without HTTP (the server below only decodes and encodes). */
export class SecretModel {
    readonly versions = new Map<string, Version>();
    rotationEnabled: boolean | undefined = undefined;
    rotationLambdaArn: string | undefined;
    private clock = 0;
    /** The hour the model is at: versions younger than 24 hours are never removed. */
    hour = 0;

    advanceHours(hours: number): void {
        this.hour += hours;
    }

    /**
     * PutSecretValue: "Secrets Manager removes outdated versions when there are more than 100, but it
     * does not remove versions created less than 24 hours ago." Outdated means unlabelled (DescribeSecret:
     * "Versions that don't have staging labels are considered deprecated and Secrets Manager can delete
     * them"). The oldest go first.
     */
    private removeOutdated(): void {
        const outdated = [...this.versions.values()]
            .filter((v) => v.labels.size === 0 && (v.madeAtHour ?? 0) <= this.hour - 24)
            .sort((a, b) => a.created - b.created);
        while (this.versions.size > 100 && outdated.length > 0) this.versions.delete(outdated.shift()!.id);
    }

    constructor(
        readonly arn: string,
        readonly name: string,
        initialValue: string,
    ) {
        const id = randomUUID();
        this.versions.set(id, { id, value: initialValue, labels: new Set(["AWSCURRENT"]), created: 0 });
    }

    private secret(secretId: unknown): void {
        if (secretId !== this.arn && secretId !== this.name)
            throw new ServiceError("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
    }

    private version(id: string): Version {
        const v = this.versions.get(id);
        if (!v) throw new ServiceError("ResourceNotFoundException", `Secrets Manager can't find the specified secret version: ${id}`);
        return v;
    }

    holder(label: string): Version | undefined {
        return [...this.versions.values()].find((v) => v.labels.has(label));
    }

    /**
     * Attaches a label to one version, removing it from any other ("Each staging label can be attached
     * to only one version at a time"); moving AWSCURRENT also moves AWSPREVIOUS to the version it left
     * ("Whenever you move AWSCURRENT, Secrets Manager automatically moves the label AWSPREVIOUS to the
     * version that AWSCURRENT was removed from", UpdateSecretVersionStage and PutSecretValue).
     */
    private attach(label: string, to: Version): void {
        const from = this.holder(label);
        if (from === to) return;
        from?.labels.delete(label);
        to.labels.add(label);
        if (label === "AWSCURRENT" && from) {
            this.holder("AWSPREVIOUS")?.labels.delete("AWSPREVIOUS");
            from.labels.add("AWSPREVIOUS");
        }
    }

    /** VersionIdsToStages lists "the versions of the secret that have staging labels attached" (DescribeSecret). */
    describeSecret(req: { SecretId?: string }) {
        this.secret(req.SecretId);
        const VersionIdsToStages = Object.fromEntries([...this.versions.values()].filter((v) => v.labels.size).map((v) => [v.id, [...v.labels]]));
        return {
            ARN: this.arn,
            Name: this.name,
            // "If the secret has never been configured for rotation, Secrets Manager returns null."
            ...(this.rotationEnabled === undefined ? {} : { RotationEnabled: this.rotationEnabled }),
            ...(this.rotationLambdaArn ? { RotationLambdaARN: this.rotationLambdaArn } : {}),
            VersionIdsToStages,
        };
    }

    /**
     * VersionId and VersionStage "must refer to the same secret version"; neither means AWSCURRENT
     * (GetSecretValue). A version RotateSecret created and nothing filled has no value: AWS answers
     * ResourceNotFoundException, which AWS's rotation template catches to know it must put one.
     */
    getSecretValue(req: { SecretId?: string; VersionId?: string; VersionStage?: string }) {
        this.secret(req.SecretId);
        const byId = req.VersionId === undefined ? undefined : this.versions.get(req.VersionId);
        const byStage = this.holder(req.VersionStage ?? (req.VersionId === undefined ? "AWSCURRENT" : ""));
        const v = req.VersionId !== undefined && req.VersionStage !== undefined ? (byId === byStage ? byId : undefined) : (byId ?? byStage);
        if (!v || v.value === undefined)
            throw new ServiceError(
                "ResourceNotFoundException",
                `Secrets Manager can't find the specified secret value for VersionId: ${req.VersionId ?? "-"}, staging label: ${req.VersionStage ?? "-"}`,
            );
        return { ARN: this.arn, Name: this.name, VersionId: v.id, SecretString: v.value, VersionStages: [...v.labels], CreatedDate: v.created };
    }

    /**
     * ClientRequestToken: a new token makes a new version; an existing one with the same value "is
     * ignored", with another value "fails because you can't modify a secret version"
     * (ResourceExistsException in the operation's errors). A version RotateSecret created without a
     * value takes this one (how the rotation template fills AWSPENDING). VersionStages moves the
     * labels; without it AWSCURRENT moves here (PutSecretValue).
     */
    putSecretValue(req: { SecretId?: string; ClientRequestToken?: string; SecretString?: string; SecretBinary?: string; VersionStages?: string[] }) {
        this.secret(req.SecretId);
        if ((req.SecretString === undefined) === (req.SecretBinary === undefined))
            throw new ServiceError("InvalidParameterException", "You must provide either SecretString or SecretBinary, but not both.");
        if (req.SecretBinary !== undefined) throw new ServiceError("InvalidParameterException", "this model keeps SecretString only");
        const id = req.ClientRequestToken ?? randomUUID();
        const existing = this.versions.get(id);
        if (existing?.value !== undefined) {
            if (existing.value !== req.SecretString)
                throw new ServiceError("ResourceExistsException", `You can't modify an existing version, you can only create a new version. VersionId: ${id}`);
            return { ARN: this.arn, Name: this.name, VersionId: id, VersionStages: [...existing.labels] };
        }
        const v = existing ?? { id, labels: new Set<string>(), created: ++this.clock, madeAtHour: this.hour };
        v.value = req.SecretString;
        this.versions.set(id, v);
        for (const label of req.VersionStages ?? ["AWSCURRENT"]) this.attach(label, v);
        this.removeOutdated();
        return { ARN: this.arn, Name: this.name, VersionId: id, VersionStages: [...v.labels] };
    }

    /**
     * A label attached elsewhere moves only with RemoveFromVersionId naming that version: "If the
     * label is attached and you either do not specify this parameter, or the version ID does not
     * match, then the operation fails". No MoveToVersionId removes the label. AWSCURRENT can be
     * moved, never removed (every secret has a current version).
     */
    updateSecretVersionStage(req: { SecretId?: string; VersionStage?: string; MoveToVersionId?: string; RemoveFromVersionId?: string }) {
        this.secret(req.SecretId);
        const label = req.VersionStage;
        if (!label) throw new ServiceError("InvalidParameterException", "VersionStage is required.");
        const to = req.MoveToVersionId === undefined ? undefined : this.version(req.MoveToVersionId);
        const from = req.RemoveFromVersionId === undefined ? undefined : this.version(req.RemoveFromVersionId);
        const holder = this.holder(label);
        if (!to) {
            if (label === "AWSCURRENT")
                throw new ServiceError(
                    "InvalidParameterException",
                    "You can only move staging label AWSCURRENT to a different secret version. It can't be completely removed.",
                );
            if (from && holder === from) from.labels.delete(label);
            return { ARN: this.arn, Name: this.name };
        }
        if (holder && holder !== to && holder !== from)
            throw new ServiceError(
                "InvalidParameterException",
                `The staging label ${label} is currently attached to version ${holder.id}, so you must explicitly reference that version in RemoveFromVersionId.`,
            );
        this.attach(label, to);
        return { ARN: this.arn, Name: this.name };
    }

    /**
     * RotateSecret: "If the AWSPENDING staging label is present but not attached to the same version
     * as AWSCURRENT, then any later invocation of RotateSecret assumes that a previous rotation
     * request is still in progress and returns an error." Otherwise it makes the token's version,
     * labelled AWSPENDING with no value yet (DescribeSecret: "Secrets Manager creates an AWSPENDING
     * version ID before creating the new secret version"), and turns rotation on.
     */
    rotateSecret(req: { SecretId?: string; ClientRequestToken?: string; RotationLambdaARN?: string }) {
        this.secret(req.SecretId);
        const pending = this.holder("AWSPENDING");
        if (pending && !pending.labels.has("AWSCURRENT"))
            throw new ServiceError("InvalidRequestException", "A previous rotation isn't complete. That rotation will be reattempted.");
        if (req.RotationLambdaARN) this.rotationLambdaArn = req.RotationLambdaARN;
        if (!this.rotationLambdaArn) throw new ServiceError("InvalidRequestException", "No Lambda rotation function ARN is associated with this secret.");
        this.rotationEnabled = true;
        const id = req.ClientRequestToken ?? randomUUID();
        if (this.versions.has(id)) throw new ServiceError("ResourceExistsException", `A version with VersionId ${id} exists already.`);
        const v: Version = { id, labels: new Set(), created: ++this.clock, madeAtHour: this.hour };
        this.versions.set(id, v);
        this.attach("AWSPENDING", v);
        return { ARN: this.arn, Name: this.name, VersionId: id };
    }

    /** The incomplete rotation's token: AWSPENDING on a version that is not AWSCURRENT. */
    pendingToken(): string | undefined {
        const pending = this.holder("AWSPENDING");
        return pending && !pending.labels.has("AWSCURRENT") ? pending.id : undefined;
    }
}

/**
 * GetRandomPassword with its documented parameters: PasswordLength (default 32), ExcludeCharacters,
 * ExcludeNumbers/Punctuation/Uppercase/Lowercase, IncludeSpace, RequireEachIncludedType (default: at
 * least one of every included type). Punctuation is the documented set.
 */
export function randomPassword(req: {
    PasswordLength?: number;
    ExcludeCharacters?: string;
    ExcludeNumbers?: boolean;
    ExcludePunctuation?: boolean;
    ExcludeUppercase?: boolean;
    ExcludeLowercase?: boolean;
    IncludeSpace?: boolean;
    RequireEachIncludedType?: boolean;
}): string {
    const length = req.PasswordLength ?? 32;
    if (!Number.isInteger(length) || length < 1 || length > 4096)
        throw new ServiceError("InvalidParameterException", "PasswordLength must be between 1 and 4096.");
    const excluded = new Set(req.ExcludeCharacters ?? "");
    const kinds = [
        req.ExcludeLowercase ? "" : "abcdefghijklmnopqrstuvwxyz",
        req.ExcludeUppercase ? "" : "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        req.ExcludeNumbers ? "" : "0123456789",
        req.ExcludePunctuation ? "" : "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
        req.IncludeSpace ? " " : "",
    ]
        .map((k) => [...k].filter((c) => !excluded.has(c)))
        .filter((k) => k.length);
    if (!kinds.length) throw new ServiceError("InvalidParameterException", "No characters are left to make a password from.");
    const all = kinds.flat();
    const pick = (chars: string[]) => chars[randomInt(chars.length)];
    const chars = Array.from({ length }, () => pick(all));
    if (req.RequireEachIncludedType ?? true) {
        if (length < kinds.length) throw new ServiceError("InvalidParameterException", "PasswordLength is too short to include every character type.");
        // One character of each kind at distinct random places (a partial Fisher-Yates shuffle).
        const slots = [...Array(length).keys()];
        kinds.forEach((k, i) => {
            const j = i + randomInt(length - i);
            [slots[i], slots[j]] = [slots[j], slots[i]];
            chars[slots[i]] = pick(k);
        });
    }
    return chars.join("");
}

export interface SecretsManagerModel {
    url: string;
    model: SecretModel;
    stages(): Record<string, string[]>;
    value(versionOrLabel: string): string | undefined;
    requests: { op: string; versionId?: string; stage?: string }[];
    rotate(invoke: (event: RotationEvent) => Promise<void>, token?: string): Promise<RotationRun>;
    retry(invoke: (event: RotationEvent) => Promise<void>): Promise<RotationRun>;
    configure(invoke: (event: RotationEvent) => Promise<void>): Promise<RotationRun>;
    close(): Promise<void>;
}

export async function startSecretsManagerModel(init: { arn: string; name?: string; value: string; rotationLambdaArn?: string }): Promise<SecretsManagerModel> {
    const model = new SecretModel(init.arn, init.name ?? init.arn.split(":").pop()!, init.value);
    model.rotationLambdaArn = init.rotationLambdaArn ?? "arn:aws:lambda:us-west-2:111122223333:function:rotation";
    const requests: SecretsManagerModel["requests"] = [];
    const operations: Record<string, (req: never) => object> = {
        DescribeSecret: (req) => model.describeSecret(req),
        GetSecretValue: (req) => model.getSecretValue(req),
        PutSecretValue: (req) => model.putSecretValue(req),
        UpdateSecretVersionStage: (req) => model.updateSecretVersionStage(req),
        RotateSecret: (req) => model.rotateSecret(req),
        GetRandomPassword: (req) => ({ RandomPassword: randomPassword(req) }),
    };
    const server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (d) => (body += d));
        req.on("end", () => {
            const reply = (status: number, doc: object) => {
                res.writeHead(status, { "Content-Type": "application/x-amz-json-1.1" });
                res.end(JSON.stringify(doc));
            };
            const op = String(req.headers["x-amz-target"] ?? "").replace(/^secretsmanager\./, "");
            let parsed: Record<string, unknown>;
            try {
                parsed = JSON.parse(body || "{}");
            } catch {
                return reply(400, { __type: "SerializationException", message: "the body is not JSON" });
            }
            requests.push({
                op,
                versionId: (parsed.VersionId ?? parsed.ClientRequestToken ?? parsed.MoveToVersionId) as string | undefined,
                stage: parsed.VersionStage as string | undefined,
            });
            const run = operations[op];
            if (!run) return reply(400, { __type: "InvalidAction", message: `this model does not answer ${op}` });
            try {
                reply(200, run(parsed as never));
            } catch (e) {
                if (e instanceof ServiceError) return reply(400, { __type: e.type, message: e.message });
                reply(500, { __type: "InternalServiceError", message: String(e) });
            }
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;

    const steps = async (token: string, invoke: (event: RotationEvent) => Promise<void>): Promise<RotationRun> => {
        const run: RotationRun = { token, completed: [] };
        for (const Step of rotationSteps) {
            try {
                await invoke({ Step, SecretId: model.arn, ClientRequestToken: token });
            } catch (e) {
                run.failed = { step: Step, error: e instanceof Error ? e.message : String(e) };
                return run;
            }
            run.completed.push(Step);
        }
        return run;
    };
    return {
        url: `http://127.0.0.1:${port}`,
        model,
        requests,
        stages: () => model.describeSecret({ SecretId: model.arn }).VersionIdsToStages,
        value: (key) => (model.versions.get(key) ?? model.holder(key))?.value,
        rotate: async (invoke, token) => steps(model.rotateSecret({ SecretId: model.arn, ClientRequestToken: token }).VersionId, invoke),
        configure: async (invoke) => {
            const { VersionId: token } = model.rotateSecret({ SecretId: model.arn });
            try {
                await invoke({ Step: "testSecret", SecretId: model.arn, ClientRequestToken: token });
                return { token, completed: ["testSecret"] };
            } catch (e) {
                return { token, completed: [], failed: { step: "testSecret", error: e instanceof Error ? e.message : String(e) } };
            } finally {
                model.updateSecretVersionStage({ SecretId: model.arn, VersionStage: "AWSPENDING", RemoveFromVersionId: token });
            }
        },
        retry: async (invoke) => {
            const token = model.pendingToken();
            if (!token) throw new Error("no incomplete rotation to reattempt: AWSPENDING is on no version but AWSCURRENT's");
            return steps(token, invoke);
        },
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
}
