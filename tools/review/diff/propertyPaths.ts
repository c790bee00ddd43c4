// Property paths, in Pulumi's notation: `spec.template.spec.containers[0].image`,
// `tags["eks-gmsa:stack"]` (keys other than letters, digits and `_` are quoted), `*` a wildcard.

export type PathSegment = string | number;

export function parsePath(text: string): PathSegment[] {
    const segments: PathSegment[] = [];
    let i = 0;
    while (i < text.length) {
        if (text[i] === ".") {
            i++;
        } else if (text[i] === "[") {
            const [segment, next] = bracketSegment(text, i);
            segments.push(segment);
            i = next;
        } else {
            let end = i;
            while (end < text.length && text[end] !== "." && text[end] !== "[") end++;
            segments.push(text.slice(i, end));
            i = end;
        }
    }
    return segments;
}

/** `["key"]`, `[3]` or `[*]` at `start`: the segment and the index after it. */
function bracketSegment(text: string, start: number): [PathSegment, number] {
    if (text[start + 1] === '"') {
        let key = "";
        let i = start + 2;
        while (i < text.length && text[i] !== '"') {
            if (text[i] === "\\") i++;
            key += text[i++];
        }
        if (text[i + 1] !== "]") throw new Error(`property path ${JSON.stringify(text)}: unterminated ["..."]`);
        return [key, i + 2];
    }
    const end = text.indexOf("]", start);
    if (end < 0) throw new Error(`property path ${JSON.stringify(text)}: unterminated [`);
    const inner = text.slice(start + 1, end);
    if (inner === "*") return ["*", end + 1];
    if (!/^[0-9]+$/.test(inner)) throw new Error(`property path ${JSON.stringify(text)}: [${inner}] is not an index`);
    return [Number(inner), end + 1];
}

export function formatPath(path: readonly PathSegment[]): string {
    return path
        .map((segment, i) => {
            if (typeof segment === "number") return `[${segment}]`;
            if (/^[A-Za-z0-9_]+$/.test(segment)) return i === 0 ? segment : `.${segment}`;
            return `["${segment.replace(/"/g, '\\"')}"]`;
        })
        .join("");
}

function segmentsMatch(a: PathSegment, b: PathSegment): boolean {
    return a === "*" || b === "*" || a === b;
}

/** True when `outer` is `inner` or one of its ancestors (Pulumi's PropertyPath.Contains). */
export function pathContains(outer: readonly PathSegment[], inner: readonly PathSegment[]): boolean {
    return outer.length <= inner.length && outer.every((segment, i) => segmentsMatch(segment, inner[i]));
}

/** True when one path contains the other: a change at either touches the other. */
export function pathsOverlap(a: readonly PathSegment[], b: readonly PathSegment[]): boolean {
    return pathContains(a, b) || pathContains(b, a);
}
