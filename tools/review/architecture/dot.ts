// Graphviz DOT primitives: quoting, HTML-like labels, node ids, colours and a small writer.
import type { WorkloadModel } from "./model";

/** A DOT quoted string: only `"` and `\` need escaping; newlines become \n line breaks. */
export function dotString(s: string): string {
    return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\r?\n/g, "\\n")}"`;
}

/** Text inside an HTML-like label: the XML specials as entities. */
export function htmlText(s: string): string {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** An HTML-like label: a bold title, then smaller detail lines (all text escaped). */
export function nodeLabel(title: string, details: readonly string[] = []): string {
    const lines = details
        .flatMap((d) => d.split("\n"))
        .filter((d) => d !== "")
        .map((d) => `<BR/><FONT POINT-SIZE="9">${htmlText(d)}</FONT>`);
    return `<<B>${htmlText(title)}</B>${lines.join("")}>`;
}

/** A subgraph cluster's title: bold, with an optional detail line. */
export function clusterLabel(title: string, detail?: string): string {
    return `<<B>${htmlText(title)}</B>${detail ? `<BR/><FONT POINT-SIZE="9">${htmlText(detail)}</FONT>` : ""}>`;
}

type Attributes = Record<string, string | number | boolean | undefined>;

/** `[k=v, …]`; values starting with "<" and ending with ">" are HTML labels, everything else is quoted. */
export function attributeList(attrs: Attributes): string {
    const parts = Object.entries(attrs)
        .filter((e): e is [string, string | number | boolean] => e[1] !== undefined)
        .map(([k, v]) => `${k}=${typeof v === "string" && v.startsWith("<") && v.endsWith(">") ? v : dotString(String(v))}`);
    return parts.length > 0 ? ` [${parts.join(", ")}]` : "";
}

/** Node IDs carry a kind prefix so that, say, a namespace and a credential spec of one name never clash. */
export const id = {
    controlPlane: "eks:control-plane",
    accessEntries: "iam:access-entries",
    subnets: "vpc:subnets",
    linux: (name: string) => `nodes:linux:${name}`,
    windows: (name: string) => `nodes:windows:${name}`,
    ccg: "nodes:windows:ccg-plugin",
    release: (name: string) => `helm:${name}`,
    coredns: "addon:coredns",
    credentialSpec: (name: string) => `credspec:${name}`,
    principal: (namespace: string, sa: string) => `sa:${namespace}/${sa}`,
    workload: (w: WorkloadModel) => `workload:${w.kind}:${w.namespace}/${w.name}`,
    domainControllers: "ad:domain-controllers",
    gmsaAccounts: "ad:gmsa-accounts",
    managementHost: "ad:management-host",
    provisioning: "ad:provisioning",
    rotation: "aws:portable-identity-rotation",
    domainJoin: "ad:domain-join",
    lifecycle: "ad:node-lifecycle",
    resolver: "vpc:route53-resolver",
    portableIdentity: "aws:portable-identity",
};

export const colors = {
    account: "#ff9900",
    vpc: "#3f8624",
    eks: "#1a73e8",
    linux: "#5f6368",
    windows: "#00a4ef",
    api: "#9334e6",
    ad: "#b0228c",
    use: "#1a73e8",
    rbac: "#188038",
    denied: "#d93025",
    webhook: "#e37400",
    secret: "#c5221f",
    kerberos: "#b0228c",
    dns: "#12a4af",
    manage: "#5f6368",
};

/** Lines of DOT, indented by nesting depth. */
export class DotWriter {
    private readonly lines: string[] = [];
    private depth = 0;

    line(text: string): void {
        this.lines.push(`${"    ".repeat(this.depth)}${text}`);
    }

    node(nodeId: string, attrs: Attributes): void {
        this.line(`${dotString(nodeId)}${attributeList(attrs)};`);
    }

    edge(from: string, to: string, attrs: Attributes): void {
        this.line(`${dotString(from)} -> ${dotString(to)}${attributeList(attrs)};`);
    }

    /** Nodes on one rank (a row, top to bottom), wherever their clusters are (needs newrank). */
    sameRank(nodeIds: readonly string[]): void {
        if (nodeIds.length > 1) this.line(`{ rank=same; ${nodeIds.map((n) => `${dotString(n)};`).join(" ")} }`);
    }

    cluster(name: string, attrs: Attributes, body: () => void): void {
        this.line(`subgraph ${dotString(`cluster_${name}`)} {`);
        this.depth++;
        for (const [k, v] of Object.entries(attrs))
            if (v !== undefined) this.line(`${k}=${typeof v === "string" && v.startsWith("<") && v.endsWith(">") ? v : dotString(String(v))};`);
        body();
        this.depth--;
        this.line("}");
    }

    text(): string {
        return this.lines.join("\n") + "\n";
    }
}

export const range = (min?: number, desired?: number, max?: number): string =>
    `${min ?? "?"}-${max ?? "?"} nodes${desired !== undefined ? ` (desired ${desired})` : ""}`;

/** "1 replica", "2 replicas". */
export const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? "" : noun.endsWith("s") ? "es" : "s"}`;

/** Long free text broken at spaces, so one label does not span the picture. */
export function wrap(text: string, width: number): string {
    const lines: string[] = [];
    let current = "";
    for (const word of text.split(/\s+/)) {
        if (current && current.length + 1 + word.length > width) {
            lines.push(current);
            current = word;
        } else {
            current = current ? `${current} ${word}` : word;
        }
    }
    if (current) lines.push(current);
    return lines.join("\n");
}
