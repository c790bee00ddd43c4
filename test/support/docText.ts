// Reading Markdown docs as data for the doc checks (test/first-hour-docs-truth.test.ts): prose
// sentences, command lines, links, GitHub heading anchors and dated claims.

const fence = /^([ \t]*)(```|~~~)[\s\S]*?^\1\2[ \t]*$/gm;

/** The text without fenced code blocks and without table rows. */
export function prose(markdown: string): string {
    return markdown
        .replace(fence, "\n")
        .split("\n")
        .filter((line) => !line.trim().startsWith("|"))
        .join("\n");
}

/** Sentences of the prose, whitespace folded, split at . ! ? before a capital, a backtick or a bracket. */
export function proseSentences(markdown: string): string[] {
    return prose(markdown)
        .split(/\n\s*\n/)
        .flatMap((paragraph) => paragraph.replace(/\s+/g, " ").split(/(?<=[.!?])\s+(?=[A-Z`*(["])/))
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
}

/** Sentences of six words or more said twice, or said once and again as the start of another. */
export function duplicateSentences(markdown: string): string[] {
    const sentences = proseSentences(markdown)
        .map((s) => s.toLowerCase().replace(/[.!?]+$/, ""))
        .filter((s) => s.split(" ").length >= 6);
    const found: string[] = [];
    sentences.forEach((a, i) =>
        sentences.forEach((b, j) => {
            if (i < j && (a === b || b.startsWith(`${a} `) || a.startsWith(`${b} `))) found.push(a.length <= b.length ? a : b);
        }),
    );
    return found;
}

/** Lines of fenced code (continuation backslashes joined) and inline code spans: where commands are written. */
export function commandLines(markdown: string): string[] {
    const blocks = [...markdown.matchAll(fence)].flatMap((m) =>
        m[0]
            .replace(/\\\n\s*/g, " ")
            .split("\n")
            .slice(1, -1),
    );
    const spans = [...prose(markdown).matchAll(/`([^`\n]+)`/g)].map((m) => m[1]);
    return [...blocks, ...spans];
}

/** Each `npm run <script> [-- args]` in a command line, with its arguments up to a comment or the next command. */
export function parseCommand(line: string): { script: string; args: string[] }[] {
    return [...line.matchAll(/\bnpm run(?:\s+(?:-s|--silent))?\s+([\w.-]+(?::[\w.-]+)*)((?:\s+--(?:\s|$)[^\n]*)?)/g)].map((m) => {
        const tokens = m[2].replace(/^\s+--/, "").match(/'[^']*'|"[^"]*"|\S+/g) ?? [];
        const stop = tokens.findIndex((t) => /^(#|&&|\|\||\||;|\))/.test(t));
        const close = tokens.findIndex((t) => /\)$/.test(t)); // the end of a subshell: `(cd d && npm run x -- a)`
        const end = [stop, close < 0 ? -1 : close + 1].filter((i) => i >= 0).reduce((a, b) => Math.min(a, b), tokens.length);
        const args = tokens
            .slice(0, end)
            .map((t) => t.replace(/\)+$/, ""))
            .map((t) => t.replace(/^\[+|[\],]+$/g, "").replace(/=.*$/, ""));
        return { script: m[1], args };
    });
}

/** Targets of Markdown links and images, code excluded. */
export function markdownLinks(markdown: string): string[] {
    const text = markdown.replace(fence, "\n").replace(/`[^`\n]*`/g, "");
    return [...text.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]);
}

/** The anchors GitHub gives a document's headings (lower case, punctuation dropped, spaces to hyphens, repeats numbered), and explicit ids. */
export function githubAnchors(markdown: string): Set<string> {
    const anchors = new Set<string>();
    const counts = new Map<string, number>();
    for (const m of markdown.replace(fence, "\n").matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
        const slug = m[1]
            .toLowerCase()
            .replace(/<[^>]+>/g, "")
            .replace(/[^\p{L}\p{N}\s_-]/gu, "")
            .replace(/\s/g, "-");
        const n = counts.get(slug) ?? 0;
        anchors.add(n === 0 ? slug : `${slug}-${n}`);
        counts.set(slug, n + 1);
    }
    for (const m of markdown.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(m[1]);
    return anchors;
}

const months = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];

/**
 * Every date (2026-11-26, or November 26, 2026) with the sentence or table cell it is in, as YYYY-MM-DD.
 * Quotations ("...") are left out: a quoted source speaks for itself, on its own date.
 */
export function dateClaims(markdown: string): { date: string; sentence: string }[] {
    const units = markdown
        .replace(fence, "\n")
        .replace(/"[^"\n]*"/g, '"…"')
        .split(/\n\s*\n|\|/)
        .flatMap((paragraph) => paragraph.replace(/\s+/g, " ").split(/(?<=[.!?])\s+(?=[A-Z`*(["])/));
    return units.flatMap((sentence) =>
        [
            ...[...sentence.matchAll(/\b(20\d\d)-(\d\d)-(\d\d)\b/g)].map((m) => `${m[1]}-${m[2]}-${m[3]}`),
            ...[...sentence.matchAll(new RegExp(`\\b(${months.join("|")}) (\\d{1,2}), (20\\d\\d)\\b`, "gi"))].map(
                (m) => `${m[3]}-${String(months.indexOf(m[1].toLowerCase()) + 1).padStart(2, "0")}-${m[2].padStart(2, "0")}`,
            ),
        ].map((date) => ({ date, sentence: sentence.trim() })),
    );
}

const words = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
];

/** "eleven" or "11" as 11. */
export function numberWord(text: string): number {
    const n = /^\d+$/.test(text) ? Number(text) : words.indexOf(text.toLowerCase());
    if (n < 0) throw new Error(`not a number: ${text}`);
    return n;
}
