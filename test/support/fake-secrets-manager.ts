// A stand-in for the AWS Secrets Manager endpoint on loopback: answers GetSecretValue (the JSON
// protocol boto3 speaks: POST / with X-Amz-Target secretsmanager.GetSecretValue) from a table, so
// the management host's real boto3 code runs in tests (point it here with
// AWS_ENDPOINT_URL_SECRETS_MANAGER). Records each request's target, secret id and whether it was
// signed (SigV4 Authorization header).
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface SecretsManagerStandIn {
    /** http://127.0.0.1:<port> */
    url: string;
    /** SecretString by ARN; an entry { error: "AccessDeniedException" } answers with that error. */
    secrets: Map<string, string | { error: string }>;
    requests: { target: string | undefined; secretId: string | undefined; signed: boolean }[];
    close(): Promise<void>;
}

export async function startSecretsManager(): Promise<SecretsManagerStandIn> {
    const secrets = new Map<string, string | { error: string }>();
    const requests: SecretsManagerStandIn["requests"] = [];
    const server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (d) => (body += d));
        req.on("end", () => {
            let secretId: string | undefined;
            try {
                secretId = JSON.parse(body).SecretId;
            } catch {
                secretId = undefined;
            }
            const target = req.headers["x-amz-target"] as string | undefined;
            requests.push({ target, secretId, signed: /^AWS4-HMAC-SHA256 Credential=/.test(String(req.headers.authorization ?? "")) });
            const entry = secretId === undefined ? undefined : secrets.get(secretId);
            const reply = (status: number, doc: object) => {
                res.writeHead(status, { "Content-Type": "application/x-amz-json-1.1" });
                res.end(JSON.stringify(doc));
            };
            if (target !== "secretsmanager.GetSecretValue") return reply(400, { __type: "InvalidAction", message: `unexpected ${target}` });
            if (entry === undefined) return reply(400, { __type: "ResourceNotFoundException", message: "Secrets Manager can't find the specified secret." });
            if (typeof entry !== "string") return reply(400, { __type: entry.error, message: "denied" });
            return reply(200, {
                ARN: secretId,
                Name: "stand-in",
                SecretString: entry,
                VersionId: "00000000-0000-0000-0000-000000000001",
                VersionStages: ["AWSCURRENT"],
            });
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        secrets,
        requests,
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
}
