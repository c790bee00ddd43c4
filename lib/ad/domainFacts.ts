// The domain facts every credential spec names, and the rules for a domain SID and GUID. Pure.
// Config (settings), the provisioning run's report (components/directoryDocuments.ts), the AD
// command line (tools/ad.ts) and the offline mocks all use this one module. The policy pack keeps
// its own copy on purpose (it runs in app repositories without this program); a test holds the
// two to the same answers (test/domain-facts.test.ts).

/** What every credential spec names about the domain. */
export interface DomainFacts {
    readonly dnsName: string;
    readonly forestName: string;
    readonly netbiosName: string;
    /** Upper case, e.g. S-1-5-21-1234567890-1234567890-1234567890. */
    readonly sid: string;
    /** Lower case, no braces, e.g. 244818ae-87ca-4fcd-92ec-e79e5252348a. */
    readonly guid: string;
}

/**
 * The same facts as Active Directory tooling reports them: components/scripts/ad/cli.py's
 * `discover` and a provisioning run's result line, named like the config keys
 * (activeDirectory.domainSid, activeDirectory.domainGuid) the user copies them into.
 */
export interface ReportedDomainFacts {
    readonly dnsName: string;
    readonly forestName: string;
    readonly netbiosName: string;
    readonly domainSid: string;
    readonly domainGuid: string;
}

// A domain SID is S-1-5-21 and three sub-authorities of 32 bits (at most 10 digits); SID strings
// are case-insensitive (s-1-5-21-… is the same SID).
const domainSidPattern = /^S-1-5-21-[0-9]{1,10}-[0-9]{1,10}-[0-9]{1,10}$/i;
// Registry form, with or without a pair of braces ({…} is how Windows tools often print it).
const guidPattern = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\})$/i;

/** What is wrong with a domain SID (undefined when it is one). */
export function domainSidProblem(v: string): string | undefined {
    return domainSidPattern.test(v) ? undefined : "must be a domain SID such as S-1-5-21-1234567890-1234567890-1234567890 (Get-ADDomain).DomainSID";
}

/** What is wrong with a GUID (undefined when it is one). */
export function guidProblem(v: string): string | undefined {
    return isGuid(v) ? undefined : "must be a GUID such as 244818ae-87ca-4fcd-92ec-e79e5252348a (Get-ADDomain).ObjectGUID";
}

export function isDomainSid(v: unknown): v is string {
    return typeof v === "string" && domainSidPattern.test(v);
}

export function isGuid(v: unknown): v is string {
    return typeof v === "string" && guidPattern.test(v);
}

/** The form credential specs carry: S-1-5-21-… upper case. */
export function normalizeDomainSid(sid: string): string {
    return sid.toUpperCase();
}

/** The form credential specs carry: lower case, no braces. */
export function normalizeGuid(guid: string): string {
    return guid.replace(/^\{|\}$/g, "").toLowerCase();
}

/**
 * Domain facts from a report (cli.py's JSON), normalized; undefined when any fact is missing or
 * malformed. Never quotes the report: it arrives inside output that is secret as a whole.
 */
export function domainFactsFromReport(report: unknown): DomainFacts | undefined {
    if (typeof report !== "object" || report === null) return undefined;
    const r = report as Partial<Record<keyof ReportedDomainFacts, unknown>>;
    const names = [r.dnsName, r.forestName, r.netbiosName];
    if (!names.every((n): n is string => typeof n === "string" && n !== "")) return undefined;
    if (!isDomainSid(r.domainSid) || !isGuid(r.domainGuid)) return undefined;
    const [dnsName, forestName, netbiosName] = names;
    return { dnsName, forestName, netbiosName, sid: normalizeDomainSid(r.domainSid), guid: normalizeGuid(r.domainGuid) };
}

/** The report a directory gives for these facts (the offline mocks' made-up run, test fixtures). */
export function reportOf(facts: DomainFacts): ReportedDomainFacts {
    return { dnsName: facts.dnsName, forestName: facts.forestName, netbiosName: facts.netbiosName, domainSid: facts.sid, domainGuid: facts.guid };
}
