// Reads the config keys the docs list, in the forms they use, as full keys like the settings
// record them (eks-gmsa:gmsa.accounts[].allowed[].namespace). Pure.

/**
 * The keys in a field list such as `mode (a|b), accounts [{name, allowed: [{namespace}]}],
 * webhook {namespace}, operators [arn]`: text in parentheses is commentary, `[x]` (no braces)
 * says what a list holds, `{..}` and `[{..}]` hold a key's own keys. Returned relative to the
 * list, nested ones as `accounts[].allowed[].namespace`.
 */
export function fieldListKeys(text: string): string[] {
    let plain = text;
    // Commentary may nest: remove innermost parentheses first.
    while (/\([^()]*\)/.test(plain)) plain = plain.replace(/\([^()]*\)/g, " ");
    // A list's item type ([arn], [cidr], [..]) is no key.
    plain = plain.replace(/\[[^[\]{}]*\]/g, " ");
    const tokens = plain.match(/[A-Za-z][A-Za-z0-9]*|[{}[\]]/g) ?? [];
    const keys: string[] = [];
    const parents: string[] = [];
    let last: string | undefined;
    for (let i = 0; i < tokens.length; i++) {
        const t = tokens[i];
        if (t === "{" || t === "[") {
            if (last === undefined) throw new Error(`'${t}' without a key before it in: ${text}`);
            if (t === "[") {
                if (tokens[i + 1] !== "{") throw new Error(`'[' must open [{..}] in: ${text}`);
                i++;
                parents.push(`${last}[]`);
            } else {
                parents.push(last);
            }
            last = undefined;
        } else if (t === "}" || t === "]") {
            if (t === "}") {
                if (parents.length === 0) throw new Error(`unbalanced '}' in: ${text}`);
                if (tokens[i + 1] === "]" && parents[parents.length - 1].endsWith("[]")) i++;
                parents.pop();
            }
            last = undefined;
        } else {
            last = parents.length > 0 ? `${parents[parents.length - 1]}.${t}` : t;
            keys.push(last);
        }
    }
    if (parents.length > 0) throw new Error(`unclosed '{' in: ${text}`);
    return keys;
}

/** A documented key relative to its top-level key (`eks-gmsa:gmsa` and `webhook.replicas`), in full. */
export function fullKey(topKey: string, relative: string): string {
    return `${topKey}.${relative}`;
}

/**
 * The keys in Pulumi.yaml's comment: lines `#   <namespace:key>   <field list>`, continued on
 * lines indented deeper.
 */
export function pulumiYamlKeys(pulumiYaml: string): string[] {
    const entries: { key: string; text: string }[] = [];
    for (const line of pulumiYaml.split("\n")) {
        const entry = /^# {3}([a-z][a-z0-9-]*:[A-Za-z]+)(\s+(.*))?$/.exec(line);
        if (entry) {
            entries.push({ key: entry[1], text: entry[3] ?? "" });
            continue;
        }
        const more = /^#\s{5,}(\S.*)$/.exec(line);
        if (more && entries.length > 0) entries[entries.length - 1].text += ` ${more[1]}`;
    }
    return entries.flatMap(({ key, text }) => [key, ...fieldListKeys(text).map((k) => fullKey(key, k))]);
}

export interface MarkdownKeys {
    /** The `## \`namespace:key\`` headings. */
    sections: string[];
    /** Keys in the first column of tables headed `key`, as full keys. */
    tableKeys: string[];
    /** Each section's text, to find keys described in prose. */
    text: Record<string, string>;
}

/** The keys docs/configuration.md documents: its sections and the `key` column of their tables. */
export function markdownKeys(markdown: string): MarkdownKeys {
    const result: MarkdownKeys = { sections: [], tableKeys: [], text: {} };
    let section: string | undefined;
    let inKeyTable = false;
    for (const line of markdown.split("\n")) {
        const heading = /^## `([a-z][a-z0-9-]*:[A-Za-z]+)`/.exec(line);
        if (heading) {
            section = heading[1];
            result.sections.push(section);
            result.text[section] = "";
            continue;
        }
        if (/^## /.test(line)) section = undefined;
        if (!section) continue;
        result.text[section] += `${line}\n`;
        if (!line.startsWith("|")) {
            inKeyTable = false;
            continue;
        }
        const first = line.split("|")[1].trim();
        if (first === "key") {
            inKeyTable = true;
            continue;
        }
        if (!inKeyTable || /^-+$/.test(first)) continue;
        let previous: string | undefined;
        for (const [, code] of first.matchAll(/`([^`]+)`/g)) {
            // `accounts[].name`, or `.namespace` after `sampleWorkload.credentialSpec`
            const dotted = /^\.?[A-Za-z][A-Za-z0-9]*(\[\])?(\.[A-Za-z][A-Za-z0-9]*(\[\])?)*$/.test(code);
            if (dotted && code.startsWith(".") && previous) {
                previous = `${previous.slice(0, previous.lastIndexOf("."))}${code}`;
                result.tableKeys.push(fullKey(section, previous));
            } else if (dotted) {
                previous = code;
                const parts = code.split(".");
                for (let i = 1; i <= parts.length; i++) result.tableKeys.push(fullKey(section, parts.slice(0, i).join(".").replace(/\[\]$/, "")));
            } else {
                for (const k of fieldListKeys(code)) result.tableKeys.push(fullKey(section, k));
            }
        }
    }
    return result;
}
