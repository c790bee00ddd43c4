// Scripts the program ships to hosts are files of their language in ./scripts/ (each language's
// linter or parser runs on them in the tests); this reads one for a renderer and fills its markers.
import * as fs from "node:fs";
import * as path from "node:path";

export const scriptsDir = path.join(__dirname, "scripts");

/**
 * The script ./scripts/<name> as shipped: without its header (the leading `#` comment lines and the
 * blank line after them, which document the file, not the host's copy) and its final newline.
 */
export function shippedScript(name: string): string {
    const lines = fs.readFileSync(path.join(scriptsDir, name), "utf8").replace(/\n$/, "").split("\n");
    const header = lines.findIndex((line) => !line.startsWith("#"));
    if (header > 0 && lines[header] !== "") throw new Error(`${name}: a blank line must end the header comment`);
    return (header > 0 ? lines.slice(header + 1) : lines).join("\n");
}

/**
 * The script with each marker replaced by its value, verbatim (no `$&`-style patterns), in one
 * pass. A marker the script lacks is a mistake in the script, not in the values: it throws.
 */
export function fillMarkers(name: string, script: string, values: Readonly<Record<string, string>>): string {
    const markers = Object.keys(values);
    for (const marker of markers) if (!script.includes(marker)) throw new Error(`${name} has no ${marker}`);
    // One pass, so a value that happens to contain another marker is not filled in turn.
    const anyMarker = new RegExp(markers.map((m) => m.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g");
    return markers.length === 0 ? script : script.replace(anyMarker, (marker) => values[marker]);
}
