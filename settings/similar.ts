// "Did you mean": the candidates nearest to a mistyped word. Pure.

/**
 * Edit distance counting an insertion, deletion, substitution or swap of two neighbours as one
 * (optimal string alignment), so `eks-gsma` is one edit from `eks-gmsa`, as a typist sees it.
 */
export function typoDistance(a: string, b: string): number {
    const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            const cost = a[i - 1] === b[j - 1] ? 0 : 1;
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.length][b.length];
}

/**
 * The candidates nearest to `word` (ignoring case), when within `maxDistance` of it; all of them
 * when several are equally near (us-west-9: us-west-1 and us-west-2), at most `limit`.
 */
export function closest(word: string, candidates: Iterable<string>, maxDistance: (candidate: string) => number, limit = 3): string[] {
    let best: string[] = [];
    let bestDistance = Infinity;
    const lower = word.toLowerCase();
    for (const candidate of candidates) {
        const distance = typoDistance(lower, candidate.toLowerCase());
        if (distance > maxDistance(candidate)) continue;
        if (distance < bestDistance) {
            best = [candidate];
            bestDistance = distance;
        } else if (distance === bestDistance && !best.includes(candidate)) {
            best.push(candidate);
        }
    }
    return best.sort().slice(0, limit);
}

/** "did you mean a?", "did you mean a or b?", or undefined for no candidates. */
export function didYouMean(suggestions: readonly string[]): string | undefined {
    if (suggestions.length === 0) return undefined;
    const list = suggestions.length === 1 ? suggestions[0] : `${suggestions.slice(0, -1).join(", ")} or ${suggestions[suggestions.length - 1]}`;
    return `did you mean ${list}?`;
}
