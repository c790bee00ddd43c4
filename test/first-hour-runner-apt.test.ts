// What the test command installs (test/support/install-samba.sh, install-tools.sh) upgrades nothing
// the tests do not need: apt's plan, simulated (`apt-get -s`, EKS_GMSA_APT_SIMULATE=1) against
// copies of real dpkg states (EKS_GMSA_DPKG_ADMINDIR) in a temp dir. Nothing is installed.
//
// The fixtures are machines that never had Samba's tools, krb5-user nor openssl, whose libssl3 is
// older than the newest in the apt sources (as on a user's machine where installing Samba upgraded
// libssl3 and openssl): this machine's own state without them, and Debian bookworm with Samba 4.17's
// client packages (the root test/support/build-bookworm-samba417.sh builds, when it is there).
// first-hour-runner-apt-unpublished.test.ts has installed versions no apt source publishes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import * as path from "node:path";
import {
    archiveVersions,
    dpkgVersionGreater,
    editStatus,
    installedVersion,
    plannedInstalls,
    realStatus,
    sambaPackages,
    simulateInstaller,
    sourcesOf,
    throwawayAdminDir,
} from "./support/dpkgStatus";

const OLD_SAMBA_ROOT = "/var/cache/eks-gmsa-test/bookworm-samba417";

const onDebian = existsSync("/var/lib/dpkg/status") && spawnSync("apt-get", ["--version"]).status === 0;
const hasBackports = onDebian && archiveVersions("samba").some((v) => v.includes("bpo"));

/** The status text with libssl3 set to an older version an apt source has, or undefined when none is older. */
function withOlderLibssl(text: string): { text: string; libssl: string } | undefined {
    const installed = installedVersion(text, "libssl3");
    const versions = archiveVersions("libssl3");
    if (installed && dpkgVersionGreater(versions[0], installed)) return { text, libssl: installed };
    const older = versions.find((v) => dpkgVersionGreater(versions[0], v));
    return older ? { text: editStatus(text, { versions: { libssl3: older } }).text, libssl: older } : undefined;
}

function checkSambaPlan(statusText: string, t: { skip: (why: string) => void }): void {
    const fixture = withOlderLibssl(statusText);
    if (!fixture) return t.skip("every apt source has libssl3 at one version: no upgrade to watch for");
    const dir = throwawayAdminDir(fixture.text);
    try {
        // The fixture reproduces the report: the old installer's command (`-t bookworm-backports`,
        // openssl named) upgrades libssl3 on it.
        const old = spawnSync(
            "apt-get",
            [
                "-s",
                "-o",
                `Dir::State::status=${dir}/status`,
                "install",
                "-t",
                "bookworm-backports",
                "--no-install-recommends",
                ...sambaPackages,
                "krb5-user",
                "openssl",
            ],
            { encoding: "utf8", timeout: 180_000 },
        );
        assert.ok(
            plannedInstalls(old.stdout).some((p) => p.name === "libssl3" && p.from === fixture.libssl),
            `the old command keeps libssl3:\n${old.stdout}${old.stderr}`,
        );

        const r = simulateInstaller("install-samba.sh", dir);
        assert.equal(r.status, 0, r.stderr + r.stdout);
        const byName = new Map(r.plan.map((p) => [p.name, p]));
        for (const p of sambaPackages) {
            const planned = byName.get(p);
            assert.ok(planned, `${p} is not in the plan:\n${r.stdout}`);
            assert.match(planned.version, /(?:^(?:\d+:)?|\+samba)4\.(?:2[1-9]|[3-9]\d)\./, `${p} ${planned.version} is older than Samba 4.21`);
        }
        // libssl3 stays, and openssl is not installed (the fixture makes its certificate without it).
        assert.equal(byName.get("libssl3"), undefined, `libssl3 would be upgraded:\n${r.stdout}`);
        assert.equal(byName.get("openssl"), undefined, `openssl would be installed:\n${r.stdout}`);
        // What is upgraded is Samba's own (its source package), nothing else.
        const upgrades = r.plan.filter((p) => p.from !== undefined);
        const backports = r.plan.filter((p) => /Backports/.test(p.release));
        const sources = sourcesOf([...upgrades, ...backports]);
        const isSamba = (p: { name: string; version: string }) => sources.get(`${p.name}=${p.version}`) === "samba";
        const notSamba = upgrades.filter((p) => !isSamba(p)).map((p) => `${p.name} ${p.from} -> ${p.version}`);
        assert.deepEqual(notSamba, [], "upgraded although not Samba's");
        // Only Samba's source package comes from backports.
        const backported = backports.filter((p) => !isSamba(p)).map((p) => p.name);
        assert.deepEqual(backported, [], "from backports although not Samba's");
        // The script's own lines name exactly what apt would install and upgrade.
        assert.match(
            r.stdout,
            new RegExp(
                `^install-samba\\.sh: would install: ${r.plan
                    .filter((p) => !p.from)
                    .map((p) => p.name)
                    .join(" ")}$`,
                "m",
            ),
        );
        assert.match(r.stdout, new RegExp(`^install-samba\\.sh: would upgrade: ${upgrades.length ? upgrades.map((p) => p.name).join(" ") : "nothing"}$`, "m"));
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

test(
    "installing Samba on this machine without it upgrades neither libssl3 nor anything else not Samba's",
    {
        skip: !hasBackports && "needs Debian with bookworm-backports' Samba in the apt sources",
        timeout: 240_000,
    },
    (t) => {
        const { text } = editStatus(realStatus(), { remove: [...sambaPackages, "krb5-user", "openssl"] });
        checkSambaPlan(text, t);
    },
);

test(
    "upgrading bookworm's Samba 4.17 client packages upgrades only Samba's source, not libssl3",
    {
        skip:
            (!hasBackports && "needs Debian with bookworm-backports' Samba in the apt sources") ||
            (!existsSync(path.join(OLD_SAMBA_ROOT, "var/lib/dpkg/status")) && `needs ${OLD_SAMBA_ROOT} (bash test/support/build-bookworm-samba417.sh)`),
        timeout: 240_000,
    },
    (t) => {
        const base = readFileSync(path.join(OLD_SAMBA_ROOT, "var/lib/dpkg/status"), "utf8");
        assert.match(installedVersion(base, "python3-samba") ?? "", /4\.17\./, "the root's python3-samba is Samba 4.17");
        const { text } = editStatus(base, { remove: ["openssl"] });
        checkSambaPlan(text, t);
    },
);

test("installing the linters and boto3 upgrades nothing", { skip: !onDebian && "needs Debian's apt", timeout: 240_000 }, () => {
    const { text } = editStatus(realStatus(), { remove: ["shellcheck", "pyflakes3", "python3-boto3", "openssl"] });
    const dir = throwawayAdminDir(text);
    try {
        const r = simulateInstaller("install-tools.sh", dir);
        assert.equal(r.status, 0, r.stderr + r.stdout);
        const names = r.plan.map((p) => p.name);
        for (const p of ["shellcheck", "pyflakes3", "python3-boto3"]) assert.ok(names.includes(p), `${p} is not in the plan:\n${r.stdout}`);
        assert.deepEqual(
            r.plan.filter((p) => p.from !== undefined).map((p) => `${p.name} ${p.from} -> ${p.version}`),
            [],
        );
        assert.match(r.stdout, /^install-tools\.sh: would upgrade: nothing$/m);
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
});
