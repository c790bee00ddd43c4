// Copies of a real dpkg state (/var/lib/dpkg/status) for apt simulations in tests: packages
// removed together with every installed package that would then lack a dependency (so apt sees a
// consistent system, as on a machine that never had them), and versions changed.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

function field(stanza: string, name: string): string {
    const m = new RegExp(`^${name}: (.*(?:\\n .*)*)$`, "m").exec(stanza);
    return m ? m[1].replace(/\n /g, " ") : "";
}

/** The names in a Depends-style field, per clause (alternatives together), without versions or architectures. */
function clauses(value: string): string[][] {
    return value
        .split(",")
        .map((c) =>
            c
                .split("|")
                .map((a) => a.trim().split(/[\s(:]/)[0])
                .filter(Boolean),
        )
        .filter((c) => c.length > 0);
}

export interface StatusEdit {
    /** Packages the copy does not have (with their reverse dependencies). */
    remove?: string[];
    /** Installed versions the copy has instead. */
    versions?: Record<string, string>;
}

/** A dpkg status file's text with the edits; also returns every package removed. */
export function editStatus(text: string, edit: StatusEdit): { text: string; removed: Set<string> } {
    const stanzas = text.split(/\n\n+/).filter((s) => s.trim());
    const removed = new Set(edit.remove ?? []);
    for (;;) {
        const alive = stanzas.filter((s) => !removed.has(field(s, "Package")));
        const provided = new Set<string>();
        for (const s of alive) {
            provided.add(field(s, "Package"));
            for (const [p] of clauses(field(s, "Provides"))) provided.add(p);
        }
        const more = alive
            .filter((s) => clauses(`${field(s, "Depends")},${field(s, "Pre-Depends")}`).some((alternatives) => !alternatives.some((a) => provided.has(a))))
            .map((s) => field(s, "Package"));
        if (more.length === 0) break;
        for (const p of more) removed.add(p);
    }
    // A changed version changes it in the others' exact relationships too ("libssl3 (= 3.0.20-1)"), as
    // packages built together name each other at their own version.
    const relations = Object.entries(edit.versions ?? {}).flatMap(([name, version]) => {
        const now = installedVersion(text, name);
        const escape = (v: string) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        return now ? [{ re: new RegExp(`(^|[ ,|])(${escape(name)}(?::[a-z0-9-]+)? \\(= )${escape(now)}\\)`, "gm"), version }] : [];
    });
    const out = stanzas
        .filter((s) => !removed.has(field(s, "Package")))
        .map((s) => {
            const version = edit.versions?.[field(s, "Package")];
            let edited = version ? s.replace(/^Version: .*$/m, `Version: ${version}`) : s;
            for (const r of relations) edited = edited.replace(r.re, `$1$2${r.version})`);
            return edited.replace(/^\n+|\n+$/g, "");
        });
    return { text: `${out.join("\n\n")}\n`, removed };
}

/** The installed version of a package in a status file's text, or undefined. */
export function installedVersion(text: string, pkg: string): string | undefined {
    const stanza = text.split(/\n\n+/).find((s) => field(s, "Package") === pkg && /^Status: install ok installed$/m.test(s));
    return stanza ? field(stanza, "Version") : undefined;
}

/** The installed binaries of a source package in a status file's text (its Source field, else its name). */
export function installedBinariesOf(text: string, source: string): string[] {
    return text
        .split(/\n\n+/)
        .filter((s) => /^Status: install ok installed$/m.test(s) && (field(s, "Source").split(" ")[0] || field(s, "Package")) === source)
        .map((s) => field(s, "Package"));
}

/** A throw-away dpkg admin directory (status, and the lock files apt locks) holding the text. */
export function throwawayAdminDir(statusText: string): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), "eks-gmsa-dpkg-"));
    mkdirSync(path.join(dir, "updates"));
    writeFileSync(path.join(dir, "status"), statusText);
    writeFileSync(path.join(dir, "lock-frontend"), "");
    writeFileSync(path.join(dir, "lock"), "");
    return dir;
}

export function realStatus(): string {
    return readFileSync("/var/lib/dpkg/status", "utf8");
}

/** The versions of a package the apt sources have, newest first (`apt-cache madison`). */
export function archiveVersions(pkg: string): string[] {
    const out = execFileSync("apt-cache", ["madison", pkg], { encoding: "utf8" });
    const versions = [
        ...new Set(
            out
                .split("\n")
                .map((l) => l.split("|")[1]?.trim())
                .filter((v): v is string => !!v),
        ),
    ];
    return versions.sort((a, b) => (dpkgVersionGreater(a, b) ? -1 : dpkgVersionGreater(b, a) ? 1 : 0));
}

export function dpkgVersionGreater(a: string, b: string): boolean {
    try {
        execFileSync("dpkg", ["--compare-versions", a, "gt", b]);
        return true;
    } catch {
        return false;
    }
}

/** One `Inst` line of `apt-get -s`: a package apt would install (from: undefined) or upgrade. */
export interface PlannedInstall {
    name: string;
    from: string | undefined;
    version: string;
    release: string;
}

export function plannedInstalls(aptOutput: string): PlannedInstall[] {
    return aptOutput.split("\n").flatMap((line) => {
        const m = /^Inst (\S+) (?:\[(\S+)\] )?\((\S+) (.*) \[[^\]]+\]\)/.exec(line);
        return m ? [{ name: m[1], from: m[2], version: m[3], release: m[4] }] : [];
    });
}

/** The source package of each package version in the apt sources (one `apt-cache show` call), by "name=version". */
export function sourcesOf(packages: { name: string; version: string }[]): Map<string, string> {
    const sources = new Map<string, string>();
    if (packages.length === 0) return sources;
    const out = execFileSync("apt-cache", ["show", ...packages.map((p) => `${p.name}=${p.version}`)], { encoding: "utf8" });
    for (const stanza of out.split(/\n\n+/)) {
        const name = field(stanza, "Package");
        if (name) sources.set(`${name}=${field(stanza, "Version")}`, field(stanza, "Source").split(" ")[0] || name);
    }
    return sources;
}

/** The packages install-samba.sh installs from Samba's source (its SAMBA_PACKAGES). */
export const sambaPackages = [
    "samba",
    "samba-ad-dc",
    "samba-ad-provision",
    "samba-dsdb-modules",
    "python3-samba",
    "smbclient",
    "winbind",
    "samba-common-bin",
    "ldb-tools",
];

/** An installer of test/support (install-samba.sh, install-tools.sh) simulated (`apt-get -s`) against a copied dpkg state: its output and apt's plan. */
export function simulateInstaller(script: string, adminDir: string) {
    const r = spawnSync("bash", [path.join(__dirname, script)], {
        encoding: "utf8",
        timeout: 180_000,
        env: { ...process.env, EKS_GMSA_APT_SIMULATE: "1", EKS_GMSA_DPKG_ADMINDIR: adminDir, EKS_GMSA_APT_LOCK_SECONDS: "30" },
    });
    return { ...r, plan: plannedInstalls(r.stdout) };
}
