// Distinguished names as RFC 4514 writes them (and as Active Directory also reads them: spaces
// around '=' and ',' are tolerated), parsed into their relative names. Pure: the settings validate
// OUs with it and lib/ad reads the domain's DNS name from its naming context with it.

/** One relative distinguished name: the attribute type upper-cased, the value unescaped. */
export interface Rdn {
    readonly type: string;
    readonly value: string;
}

export type DnParse = { readonly ok: true; readonly rdns: readonly Rdn[] } | { readonly ok: false; readonly problem: string };

/** Escaped wherever they stand in a value: RFC 4514's `escaped` characters, '\\', and '=' (which AD escapes too). */
const special = new Set([",", "+", '"', "\\", "<", ">", ";", "="]);
const hexPair = /^[0-9A-Fa-f]{2}$/;

/**
 * Parses `OU=EKS, OU=Computers,DC=corp,DC=example,DC=com`. Escapes (`\,` and `\2C`) are resolved,
 * unescaped spaces around '=' and ',' dropped, attribute types upper-cased. Multi-valued RDNs
 * (`+`) and hex-encoded values (`#04…`) are refused: no Active Directory path here needs them.
 */
export function parseDn(text: string): DnParse {
    const rdns: Rdn[] = [];
    let at = 0;
    const fail = (problem: string): DnParse => ({ ok: false, problem });
    const skipSpaces = () => {
        while (text[at] === " ") at++;
    };
    if (text.trim() === "") return fail("is empty");
    for (;;) {
        skipSpaces();
        const type = /^([A-Za-z][A-Za-z0-9-]*|[0-9]+(\.[0-9]+)*)/.exec(text.slice(at))?.[0];
        if (!type) return fail(`expects an attribute type such as OU at position ${at + 1}`);
        at += type.length;
        skipSpaces();
        if (text[at] !== "=") return fail(`expects '=' after ${type} at position ${at + 1}`);
        at++;
        skipSpaces();
        if (text[at] === "#") return fail(`has a hex-encoded value (#…) at position ${at + 1}; write the value as text`);
        const bytes: number[] = [];
        let significant = 0;
        while (at < text.length && text[at] !== "," && text[at] !== "+") {
            const c = text[at];
            if (c === "\\") {
                const pair = text.slice(at + 1, at + 3);
                if (hexPair.test(pair)) {
                    bytes.push(parseInt(pair, 16));
                    at += 3;
                } else if (special.has(text[at + 1]) || text[at + 1] === " " || text[at + 1] === "#") {
                    bytes.push(text.charCodeAt(at + 1));
                    at += 2;
                } else {
                    return fail(`has a '\\' at position ${at + 1} that escapes nothing (escape one of , + " \\ < > ; = # space, or give two hex digits)`);
                }
                significant = bytes.length;
                continue;
            }
            if (c === '"' || c === "<" || c === ">" || c === ";") return fail(`has an unescaped ${JSON.stringify(c)} at position ${at + 1} (write \\${c})`);
            bytes.push(...Buffer.from(c, "utf8"));
            if (c !== " ") significant = bytes.length;
            at++;
        }
        // Unescaped trailing spaces are not part of the value (RFC 4514 requires a trailing space to be escaped).
        const value = decodeUtf8(bytes.slice(0, significant));
        if (value === undefined) return fail(`has escaped bytes in the value of ${type} that are not UTF-8`);
        if (value === "") return fail(`has an empty value for ${type} at position ${at + 1}`);
        rdns.push({ type: type.toUpperCase(), value });
        if (at >= text.length) return { ok: true, rdns };
        if (text[at] === "+")
            return fail(
                `has a multi-valued RDN ('+' at position ${at + 1}); Active Directory paths use one attribute per RDN (escape it as \\+ if it is part of a name)`,
            );
        at++; // ','
    }
}

function decodeUtf8(bytes: number[]): string | undefined {
    try {
        return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(bytes));
    } catch {
        return undefined;
    }
}

/** RFC 4514 escaping of one value: specials anywhere, '#' or a space first, a space last, controls as hex. */
export function escapeDnValue(value: string): string {
    const escaped = [...value]
        .map((c) => (special.has(c) ? `\\${c}` : c.charCodeAt(0) < 0x20 ? `\\${c.charCodeAt(0).toString(16).padStart(2, "0")}` : c))
        .join("");
    return escaped.replace(/^[ #]/, (c) => `\\${c}`).replace(/ $/, "\\ ");
}

/** The canonical text: types upper-case, no spaces around separators, minimal escaping. */
export function formatDn(rdns: readonly Rdn[]): string {
    return rdns.map((r) => `${r.type}=${escapeDnValue(r.value)}`).join(",");
}

/** corp.example.com → DC=corp, DC=example, DC=com */
export function domainRdns(dnsName: string): Rdn[] {
    return dnsName
        .toLowerCase()
        .split(".")
        .map((label) => ({ type: "DC", value: label }));
}

/** The DNS name the DN's DC= components spell (DC=corp,DC=example,DC=com → corp.example.com). */
export function dnsNameOf(rdns: readonly Rdn[]): string {
    return rdns
        .filter((r) => r.type === "DC")
        .map((r) => r.value)
        .join(".")
        .toLowerCase();
}

/** Same RDN: types and values compared case-insensitively, as Active Directory compares names. */
function sameRdn(a: Rdn, b: Rdn): boolean {
    return a.type === b.type && a.value.toLowerCase() === b.value.toLowerCase();
}

/** `dn` is `ancestor` itself or lies below it. */
export function isAtOrBelow(dn: readonly Rdn[], ancestor: readonly Rdn[]): boolean {
    if (dn.length < ancestor.length) return false;
    const tail = dn.slice(dn.length - ancestor.length);
    return tail.every((r, i) => sameRdn(r, ancestor[i]));
}
