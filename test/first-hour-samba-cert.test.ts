// The Samba fixture's LDAPS certificate needs no openssl command (the test command no longer
// installs openssl, which is built from libssl3's source: installing it could upgrade libssl3). It is
// made with python3-cryptography, a Depends of Debian's python3-samba, and still names the DC's
// address, so clients verify it against caCertFile for the address itself.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { makeTlsCertificate } from "./support/sambaConf";
import { SAMBA_PYTHON } from "./support/sambaProcess";

const hasCryptography = spawnSync(SAMBA_PYTHON, ["-c", "import cryptography"]).status === 0;

test(
    "without openssl the LDAPS certificate is made for the DC's name and address, its key private",
    {
        skip: !hasCryptography && `needs python3-cryptography for ${SAMBA_PYTHON} (a Depends of python3-samba)`,
    },
    async () => {
        const tmp = mkdtempSync(path.join(os.tmpdir(), "eks-gmsa-cert-"));
        const savedPath = process.env.PATH;
        try {
            // An openssl that fails, first on PATH: the certificate must not depend on it.
            const bin = path.join(tmp, "bin");
            mkdirSync(bin);
            writeFileSync(path.join(bin, "openssl"), "#!/bin/sh\necho 'openssl is not installed' >&2\nexit 127\n");
            chmodSync(path.join(bin, "openssl"), 0o755);
            process.env.PATH = `${bin}:${savedPath}`;
            const dir = path.join(tmp, "private", "tls");
            await makeTlsCertificate(dir, "DC.samba.test", "127.18.0.2");

            const cert = new X509Certificate(readFileSync(path.join(dir, "cert.pem")));
            assert.equal(cert.checkIP("127.18.0.2"), "127.18.0.2", `no IP subjectAltName: ${cert.subjectAltName}`);
            assert.equal(cert.checkHost("DC.samba.test"), "DC.samba.test");
            assert.match(cert.subject, /CN=DC\.samba\.test/);
            assert.ok(cert.verify(cert.publicKey), "self-signed");
            assert.equal(readFileSync(path.join(dir, "ca.pem"), "utf8"), cert.toString(), "ca.pem is the certificate itself");
            assert.equal(statSync(path.join(dir, "key.pem")).mode & 0o077, 0, "samba refuses a key others can read");
        } finally {
            process.env.PATH = savedPath;
            rmSync(tmp, { recursive: true, force: true });
        }
    },
);
