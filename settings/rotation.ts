// Reads eks-gmsa:gmsa.portableIdentity.rotation against its declaration (settings/schema/directory.ts):
// whether a rotation can run on this stack, its schedule and the second AD user. Pure; part of
// settings/validate (through readGmsa).
import type { Section } from "./reader";
import { userAccountNameLimit } from "./checks";
import { rotationScheduleLimits } from "./schema/directory";
import type { PortableIdentityRotationSettings } from "./types";

/** Days between rotations where the schedule is not set and a rotation can run. */
export const defaultRotationDays = 30;

const alternateSuffix = "-b";

/** The second user when config names none: `<username>-b`. */
export function defaultAlternateUsername(username: string): string {
    return `${username}${alternateSuffix}`;
}

/**
 * What stops a rotation on this stack, or undefined when one can run: it needs a management host
 * that sets passwords in AD (the stack provisions accounts) and a portable identity (domainless).
 */
export function rotationImpossibleBecause(mode: string | undefined, provisionsAccounts: boolean): string | undefined {
    if (mode !== "domainless") return "gmsa.mode is not domainless (there is no portable identity to rotate)";
    if (!provisionsAccounts)
        return "activeDirectory.provisionAccounts is off (or there is no managedDirectory): no management host sets the new password in AD";
    return undefined;
}

/** A schedule as config gives it: a whole number of days (a number or its digits) or "off". */
export function parseSchedule(raw: unknown): number | "off" | undefined {
    if (raw === "off") return "off";
    const n = typeof raw === "string" && /^\s*[0-9]+\s*$/.test(raw) ? Number(raw.trim()) : raw;
    if (typeof n === "number" && Number.isInteger(n) && n >= rotationScheduleLimits.minimum && n <= rotationScheduleLimits.maximum) return n;
    return undefined;
}

/**
 * The rotation settings of a portable identity `username`, or undefined when the stack rotates
 * nothing. Every problem is added to the section's problems, each naming its key.
 */
export function readRotation(
    identity: Section,
    username: string | undefined,
    impossibleBecause: string | undefined,
): PortableIdentityRotationSettings | undefined {
    const problems = identity.problems;
    const s = identity.section("rotation");
    const rawSchedule = s.raw("schedule");
    const rawAlternate = s.has("alternateUsername") ? s.string("alternateUsername") : undefined;
    s.finish();

    const schedule = rawSchedule === undefined ? undefined : parseSchedule(rawSchedule);
    if (rawSchedule !== undefined && schedule === undefined)
        problems.add(
            s.path("schedule"),
            rawSchedule,
            `must be a whole number of days from ${rotationScheduleLimits.minimum} to ${rotationScheduleLimits.maximum} (Secrets Manager's range), or "off"`,
        );
    if (impossibleBecause) {
        if (typeof schedule === "number")
            problems.add(s.path("schedule"), schedule, `cannot rotate on this stack: ${impossibleBecause}; remove it or set "off"`);
        if (rawAlternate !== undefined)
            problems.add(s.path("alternateUsername"), rawAlternate, `is only used where a rotation can run, and ${impossibleBecause}`);
        return undefined;
    }
    // Each key judged on its own, so every problem is reported at once.
    const scheduleOk = rawSchedule === undefined || schedule !== undefined;
    const alternateOk = !s.has("alternateUsername") || rawAlternate !== undefined;
    if (!username || !alternateOk) return undefined;
    let alternateUsername = rawAlternate;
    if (alternateUsername === undefined) {
        const fallback = defaultAlternateUsername(username);
        if (fallback.length > userAccountNameLimit) {
            problems.add(
                s.path("alternateUsername"),
                undefined,
                `is required: the default ${fallback} would be ${fallback.length} characters, more than AD's ${userAccountNameLimit} for a user name (portableIdentity.username is ${username.length})`,
            );
            return undefined;
        }
        alternateUsername = fallback;
    } else if (alternateUsername.toLowerCase() === username.toLowerCase()) {
        problems.add(s.path("alternateUsername"), alternateUsername, "must differ from portableIdentity.username (AD compares user names without case)");
        return undefined;
    }
    if (!scheduleOk) return undefined;
    return { schedule: schedule ?? defaultRotationDays, alternateUsername };
}
