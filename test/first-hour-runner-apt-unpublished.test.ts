// After a security update the installed libssl3 or libkrb5-3 is often a version no apt source
// publishes any more. What install-samba.sh does then, simulated (`apt-get -s`) against a copy of
// this machine's dpkg state (EKS_GMSA_DPKG_ADMINDIR) whose openssl or krb5 binaries carry such a
// version (the newest published one with "~eksgmsa1" appended: older than it, published nowhere),
// on a machine without Samba's packages and krb5-user. Nothing is installed.
//   - libssl3: nothing of OpenSSL's is installed or upgraded (openssl is no longer installed: the
//     Samba fixture makes its certificate with python3-cryptography).
//   - libkrb5-3: krb5-user can only come at the newest version, whose Depends name libkrb5-3 at
//     that version; the tests need kinit, so libkrb5-3 is upgraded, and the script says so.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import {
    archiveVersions,
    editStatus,
    installedBinariesOf,
    realStatus,
    sambaPackages,
    simulateInstaller,
    sourcesOf,
    throwawayAdminDir,
} from "./support/dpkgStatus";

const onDebian = existsSync("/var/lib/dpkg/status") && spawnSync("apt-get", ["--version"]).status === 0;
const hasBackports = onDebian && archiveVersions("samba").some((v) => v.includes("bpo"));
const skip = !hasBackports && "needs Debian with bookworm-backports' Samba in the apt sources";

/** install-samba.sh's plan on this machine's dpkg state without Samba and krb5-user, every installed binary of `source` at an unpublished version. */
function planWithUnpublished(source: string, library: string) {
    const unpublished = `${archiveVersions(library)[0]}~eksgmsa1`;
    assert.ok(!archiveVersions(library).includes(unpublished));
    const { text: without } = editStatus(realStatus(), { remove: [...sambaPackages, "krb5-user", "openssl"] });
    const binaries = installedBinariesOf(without, source);
    assert.ok(binaries.includes(library), `${library} is not installed here`);
    const { text } = editStatus(without, { versions: Object.fromEntries(binaries.map((b) => [b, unpublished])) });
    const dir = throwawayAdminDir(text);
    try {
        const r = simulateInstaller("install-samba.sh", dir);
        assert.equal(r.status, 0, r.stderr + r.stdout);
        const plan = r.plan;
        const sources = sourcesOf(plan);
        const upgradedNot = (allowed: string[]) =>
            plan
                .filter((p) => p.from !== undefined && !allowed.includes(sources.get(`${p.name}=${p.version}`) ?? ""))
                .map((p) => `${p.name} ${p.from} -> ${p.version}`);
        return { r, plan, sources, unpublished, upgradedNot };
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

test("with an installed libssl3 no apt source has, installing Samba installs and upgrades nothing of OpenSSL's", { skip, timeout: 240_000 }, () => {
    const { r, plan, sources, unpublished, upgradedNot } = planWithUnpublished("openssl", "libssl3");
    const openssl = plan.filter((p) => sources.get(`${p.name}=${p.version}`) === "openssl").map((p) => `${p.name} ${p.from ?? "(new)"} -> ${p.version}`);
    assert.deepEqual(openssl, [], `libssl3 ${unpublished} installed:\n${r.stdout}${r.stderr}`);
    assert.ok(
        plan.some((p) => p.name === "samba"),
        `samba is not in the plan:\n${r.stdout}`,
    );
    assert.deepEqual(upgradedNot(["samba"]), [], "upgraded although not Samba's");
    assert.doesNotMatch(r.stdout + r.stderr, /upgrades libssl3/);
});

test("with an installed libkrb5-3 no apt source has, krb5-user upgrades only Kerberos' libraries, and the script says why", { skip, timeout: 240_000 }, () => {
    const { r, plan, unpublished, upgradedNot } = planWithUnpublished("krb5", "libkrb5-3");
    const krb5User = plan.find((p) => p.name === "krb5-user");
    assert.ok(krb5User && !krb5User.from, `krb5-user is not installed:\n${r.stdout}`);
    assert.ok(
        plan.some((p) => p.name === "libkrb5-3" && p.from === unpublished && p.version === krb5User.version),
        `libkrb5-3 should come at krb5-user's ${krb5User.version}:\n${r.stdout}`,
    );
    assert.deepEqual(upgradedNot(["samba", "krb5"]), [], "upgraded although neither Samba's nor Kerberos'");
    assert.match(
        r.stderr,
        new RegExp(
            `^install-samba\\.sh: no apt source has krb5-user ${unpublished.replace(/[.+~]/g, "\\$&")}, the installed libkrb5-3's version: ` +
                "installing the newest krb5-user, which upgrades libkrb5-3, because the tests need its kinit$",
            "m",
        ),
    );
    assert.match(r.stdout, /^install-samba\.sh: would upgrade: .*\blibkrb5-3\b/m);
});
