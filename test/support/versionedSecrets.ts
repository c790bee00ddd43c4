// A stand-in boto3 for the management host's Python when a test runs a rendered document with
// test/support/hostStep.ts runDocument (spawnSync: Node's event loop waits, so no HTTP stand-in in
// this process could answer). It answers GetSecretValue only, from a JSON file of versions, and
// picks the version the way Secrets Manager documents it: neither VersionId nor VersionStage ->
// AWSCURRENT; one of them -> the version it names; both -> "the two parameters must refer to the
// same secret version"; no such version -> ResourceNotFoundException (what the rotation template's
// createSecret expects for a token not yet staged AWSPENDING). Each call is logged, without the
// secret. Not a model of rotation: each test writes the versions a rotation would have left.
import * as fs from "node:fs";
import * as path from "node:path";

export interface SecretVersion {
    id: string;
    stages: string[];
    secretString: string;
}

/** One GetSecretValue call as boto3 made it. */
export interface SecretRead {
    region: string;
    SecretId: string;
    VersionId?: string;
    VersionStage?: string;
}

const boto3Module = `import json, os
from botocore.exceptions import ClientError


def _not_found(message):
    raise ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": message}}, "GetSecretValue")


class _SecretsManager:
    def __init__(self, region):
        self.region = region

    def get_secret_value(self, SecretId, VersionId=None, VersionStage=None):
        call = {"region": self.region, "SecretId": SecretId}
        call.update({k: v for k, v in (("VersionId", VersionId), ("VersionStage", VersionStage)) if v is not None})
        with open(os.environ["FAKE_SECRETS_LOG"], "a") as log:
            log.write(json.dumps(call) + "\\n")
        with open(os.environ["FAKE_SECRETS_FILE"]) as f:
            versions = json.load(f).get(SecretId)
        if versions is None:
            _not_found("Secrets Manager can't find the specified secret.")
        stage = VersionStage or (None if VersionId else "AWSCURRENT")
        found = [v for v in versions if VersionId in (None, v["id"]) and (stage is None or stage in v["stages"])]
        if not found:
            _not_found("Secrets Manager can't find the specified secret value for VersionId: %s, VersionStage: %s" % (VersionId, stage))
        return {"ARN": SecretId, "SecretString": found[0]["secretString"], "VersionId": found[0]["id"], "VersionStages": found[0]["stages"]}


def client(service, region_name=None, **kwargs):
    assert service == "secretsmanager", service
    return _SecretsManager(region_name)
`;

const botocore: Record<string, string> = {
    "__init__.py": "",
    "config.py": "class Config:\n    def __init__(self, **kwargs):\n        self.kwargs = kwargs\n",
    "exceptions.py": [
        "class BotoCoreError(Exception):",
        "    pass",
        "",
        "",
        "class ClientError(Exception):",
        "    def __init__(self, response, operation):",
        "        super().__init__(operation)",
        "        self.response = response",
    ].join("\n"),
};

/** The secrets' versions in a file the stand-in reads on every call; the calls it logged. */
export class VersionedSecrets {
    private readonly file: string;
    private readonly log: string;
    private readonly pythonPath: string;
    private readonly versions = new Map<string, SecretVersion[]>();

    constructor(dir: string) {
        this.pythonPath = path.join(dir, "boto3-stand-in");
        fs.mkdirSync(path.join(this.pythonPath, "botocore"), { recursive: true });
        for (const [name, text] of Object.entries(botocore)) fs.writeFileSync(path.join(this.pythonPath, "botocore", name), text);
        fs.writeFileSync(path.join(this.pythonPath, "boto3.py"), boto3Module);
        this.file = path.join(dir, "secrets.json");
        this.log = path.join(dir, "secrets.log");
        this.save();
        fs.writeFileSync(this.log, "");
    }

    /** Replaces every version of the secret. */
    set(arn: string, versions: SecretVersion[]): void {
        this.versions.set(arn, versions);
        this.save();
    }

    /** The environment a run needs: the stand-in first on PYTHONPATH, its files. */
    env(): Record<string, string> {
        return { PYTHONPATH: this.pythonPath, FAKE_SECRETS_FILE: this.file, FAKE_SECRETS_LOG: this.log };
    }

    /** The calls logged since the last take. */
    takeReads(): SecretRead[] {
        const lines = fs.readFileSync(this.log, "utf8").split("\n").filter(Boolean);
        fs.writeFileSync(this.log, "");
        return lines.map((l) => JSON.parse(l) as SecretRead);
    }

    private save(): void {
        fs.writeFileSync(this.file, JSON.stringify(Object.fromEntries(this.versions)));
    }
}
