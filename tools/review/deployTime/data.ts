// The deploy-time data (tools/review/data/deploy-time-*.json): duration figures with their
// evidence, and the rules that give a plan resource its figures. Read and checked when first
// imported, so a bad entry fails with the file and the entry named, never as a wrong number later.
import * as fs from "fs";
import * as path from "path";
import { conditionNames } from "./conditions";

export interface Source {
    title: string;
    url: string;
    /** What the source states, in short (quoted or closely paraphrased). */
    says: string;
}

export type Evidence =
    /** The figures are what the sources state. */
    | { kind: "sourced"; sources: Source[] }
    /** The sources give the range (or one end of it); the midpoint is our choice, said why. */
    | { kind: "bounded"; sources: Source[]; assumption: string }
    /** No source states a figure: reasoning only (related sources support the mechanism, not the number). */
    | { kind: "assumption"; assumption: string; related?: Source[] };

export type Scenario = "low" | "mid" | "high";
export type SecondsRange = Record<Scenario, number>;

/** One named duration: the unit both the plan rules and the manual walkthrough add up. */
export interface DurationFigure {
    id: string;
    what: string;
    seconds: SecondsRange;
    evidence: Evidence;
}

/** When a rule applies: a named condition (./conditions.ts), or an input of the resource equal to a value. */
export type Condition = string | { input: string; equals: string | number | boolean };

/** Which figures a plan resource takes: the first rule whose types and condition match. */
export interface DurationRule {
    id: string;
    /** Exact type tokens, or a prefix ending in "*" (e.g. "kubernetes:*"). */
    types: string[];
    /** When the rule applies, in words (the condition `when` checks). */
    variant: string;
    when?: Condition;
    /** Figure ids, summed. */
    figures: string[];
}

/**
 * Something real that happens after a resource is created and that Pulumi does not wait for,
 * but that a later resource does (a Windows node becoming Ready; a host's SSM agent coming online).
 */
export interface ReadinessRule extends DurationRule {
    label: string;
    /** Which resources wait for it, in words. */
    awaitedBy: string;
}

export interface DeployTimeData {
    figures: DurationFigure[];
    rules: DurationRule[];
    localComponentRule: DurationRule;
    unknownTypeRule: DurationRule;
    readinessRules: ReadinessRule[];
}

export const dataDir = path.resolve(__dirname, "..", "data");
export const figuresFile = path.join(dataDir, "deploy-time-figures.json");
export const rulesFile = path.join(dataDir, "deploy-time-rules.json");

/** A problem list: each line names the file, the entry and what is wrong. */
class Problems {
    readonly lines: string[] = [];
    constructor(private readonly file: string) {}
    add(entry: string, problem: string): void {
        this.lines.push(`${shownPath(this.file)}: ${entry}: ${problem}`);
    }
}

/** A data file as a message names it: relative to the working directory when inside it. */
export function shownPath(file: string): string {
    const relative = path.relative(process.cwd(), file);
    return relative === "" || relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === "string" && v.trim() !== "";
const isTextList = (v: unknown): v is string[] => Array.isArray(v) && v.length > 0 && v.every(isText);

function checkKeys(problems: Problems, entry: string, value: Record<string, unknown>, allowed: readonly string[]): void {
    for (const key of Object.keys(value)) if (!allowed.includes(key)) problems.add(entry, `unknown key "${key}" (allowed: ${allowed.join(", ")})`);
}

function checkSources(problems: Problems, entry: string, value: unknown, required: boolean): void {
    if (value === undefined && !required) return;
    if (!Array.isArray(value) || (required && value.length === 0)) {
        problems.add(entry, "needs a list of sources, each {title, url, says}");
        return;
    }
    value.forEach((s, i) => {
        const at = `${entry}[${i}]`;
        if (!isObject(s)) return problems.add(at, "is not an object {title, url, says}");
        checkKeys(problems, at, s, ["title", "url", "says"]);
        if (!isText(s.title)) problems.add(at, "needs a title");
        if (!isText(s.url) || !/^https?:\/\/\S+$/.test(s.url)) problems.add(at, `url must be an http(s) address, not ${JSON.stringify(s.url)}`);
        if (!isText(s.says)) problems.add(at, "needs `says`: what the source states");
    });
}

function checkFigure(problems: Problems, value: unknown, i: number): string | undefined {
    const entry = `figures[${i}]${isObject(value) && isText(value.id) ? ` (${value.id})` : ""}`;
    if (!isObject(value)) {
        problems.add(entry, "is not an object");
        return undefined;
    }
    checkKeys(problems, entry, value, ["id", "what", "seconds", "evidence"]);
    if (!isText(value.id)) problems.add(entry, "needs an id");
    if (!isText(value.what)) problems.add(entry, "needs `what`: the duration in words");
    const s = value.seconds;
    const n = (v: unknown) => typeof v === "number" && Number.isFinite(v) && v >= 0;
    if (!isObject(s) || !n(s.low) || !n(s.mid) || !n(s.high)) problems.add(entry, "seconds must be {low, mid, high}, numbers of seconds >= 0");
    else if (!((s.low as number) <= (s.mid as number) && (s.mid as number) <= (s.high as number)))
        problems.add(entry, `seconds must be low <= mid <= high, not ${s.low}, ${s.mid}, ${s.high}`);
    const e = value.evidence;
    const at = `${entry}.evidence`;
    if (!isObject(e)) problems.add(entry, "needs evidence: {kind: sourced | bounded | assumption, ...}");
    else if (e.kind === "sourced") {
        checkKeys(problems, at, e, ["kind", "sources"]);
        checkSources(problems, `${at}.sources`, e.sources, true);
    } else if (e.kind === "bounded") {
        checkKeys(problems, at, e, ["kind", "sources", "assumption"]);
        checkSources(problems, `${at}.sources`, e.sources, true);
        if (!isText(e.assumption)) problems.add(at, "bounded evidence needs `assumption`: why the midpoint");
    } else if (e.kind === "assumption") {
        checkKeys(problems, at, e, ["kind", "assumption", "related"]);
        if (!isText(e.assumption)) problems.add(at, "needs `assumption`: the reasoning");
        checkSources(problems, `${at}.related`, e.related, false);
    } else {
        problems.add(at, `kind must be sourced, bounded or assumption, not ${JSON.stringify(e.kind)}`);
    }
    return isText(value.id) ? value.id : undefined;
}

function checkRule(problems: Problems, entry: string, value: unknown, figureIds: ReadonlySet<string>, readiness: boolean): void {
    if (!isObject(value)) return problems.add(entry, "is not an object");
    const keys = ["id", "types", "variant", "when", "figures", ...(readiness ? ["label", "awaitedBy"] : [])];
    checkKeys(problems, entry, value, keys);
    if (!isText(value.id)) problems.add(entry, "needs an id");
    if (!isTextList(value.types)) problems.add(entry, "types must be a list of type tokens (a trailing * matches a prefix)");
    if (!isText(value.variant)) problems.add(entry, "needs `variant`: when it applies, in words");
    if (readiness && !isText(value.label)) problems.add(entry, "needs a label");
    if (readiness && !isText(value.awaitedBy)) problems.add(entry, "needs `awaitedBy`: which resources wait for it");
    const w = value.when;
    if (typeof w === "string") {
        if (!conditionNames.includes(w)) problems.add(entry, `unknown condition "${w}" (known: ${conditionNames.join(", ")})`);
    } else if (
        w !== undefined &&
        !(isObject(w) && isText(w.input) && ["string", "number", "boolean"].includes(typeof w.equals) && Object.keys(w).length === 2)
    ) {
        problems.add(entry, `when must be a condition name or {"input": <input name>, "equals": <value>}, not ${JSON.stringify(w)}`);
    }
    if (!isTextList(value.figures)) problems.add(entry, "figures must be a list of figure ids");
    else for (const f of value.figures) if (!figureIds.has(f)) problems.add(entry, `no figure "${f}" in ${path.basename(figuresFile)}`);
}

function readJson(file: string): unknown {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new Error(`deploy time: cannot read ${file}: ${(e as Error).message}`, { cause: e });
    }
    try {
        return JSON.parse(text);
    } catch (e) {
        throw new Error(`deploy time: ${file} is not JSON: ${(e as Error).message}`, { cause: e });
    }
}

/** Reads and checks both files; throws one error listing every problem. */
export function loadDeployTimeData(figuresPath = figuresFile, rulesPath = rulesFile): DeployTimeData {
    const figureProblems = new Problems(figuresPath);
    const figuresDoc = readJson(figuresPath);
    const figures = isObject(figuresDoc) && Array.isArray(figuresDoc.figures) ? figuresDoc.figures : undefined;
    if (!figures) figureProblems.add("(top level)", 'needs {"figures": [...]}');
    else if (isObject(figuresDoc)) checkKeys(figureProblems, "(top level)", figuresDoc, ["about", "figures"]);
    const ids = new Set<string>();
    (figures ?? []).forEach((f, i) => {
        const id = checkFigure(figureProblems, f, i);
        if (id !== undefined && ids.has(id)) figureProblems.add(`figures[${i}] (${id})`, "repeats an id used above");
        if (id !== undefined) ids.add(id);
    });

    const ruleProblems = new Problems(rulesPath);
    const rulesDoc = readJson(rulesPath);
    if (!isObject(rulesDoc)) ruleProblems.add("(top level)", "is not an object");
    const doc = isObject(rulesDoc) ? rulesDoc : {};
    checkKeys(ruleProblems, "(top level)", doc, ["about", "rules", "localComponentRule", "unknownTypeRule", "readinessRules"]);
    for (const list of ["rules", "readinessRules"] as const) {
        if (!Array.isArray(doc[list])) ruleProblems.add("(top level)", `needs a list "${list}"`);
        else
            (doc[list] as unknown[]).forEach((r, i) =>
                checkRule(ruleProblems, `${list}[${i}]${isObject(r) && isText(r.id) ? ` (${r.id})` : ""}`, r, ids, list === "readinessRules"),
            );
    }
    for (const single of ["localComponentRule", "unknownTypeRule"] as const) {
        checkRule(ruleProblems, single, doc[single], ids, false);
        if (isObject(doc[single]) && doc[single].when !== undefined) ruleProblems.add(single, "takes no condition: it applies by definition");
    }

    const problems = [...figureProblems.lines, ...ruleProblems.lines];
    if (problems.length > 0)
        throw new Error(`deploy time: the data files have ${problems.length === 1 ? "a problem" : `${problems.length} problems`}:\n  ${problems.join("\n  ")}`);
    return {
        figures: figures as DurationFigure[],
        rules: doc.rules as DurationRule[],
        localComponentRule: doc.localComponentRule as DurationRule,
        unknownTypeRule: doc.unknownTypeRule as DurationRule,
        readinessRules: doc.readinessRules as ReadinessRule[],
    };
}

let loaded: DeployTimeData | undefined;

/**
 * The shipped data, read on first use (not at import, so a bad entry reaches the caller's error
 * handling: `npm run plan` prints it as one message). Local components (custom: false, not
 * remote) take `localComponentRule`, matched before any type rule.
 */
export function deployTimeData(): DeployTimeData {
    loaded ??= loadDeployTimeData();
    return loaded;
}
