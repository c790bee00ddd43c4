// The files of a packaged Helm chart (.tgz): a gzip stream (node:zlib) around a tar archive. Helm
// writes it with Go's archive/tar: ustar headers, with PAX or GNU records for long names. Only
// regular files are returned; directories, links and devices are skipped. Pure.
import * as zlib from "zlib";

const blockSize = 512;
/** A chart archive unpacks to kilobytes; far more is not a chart (or is a decompression bomb). */
export const maxUnpackedBytes = 32 * 1024 * 1024;

/** NUL-terminated text of a header field. */
function text(block: Buffer, start: number, length: number): string {
    const field = block.subarray(start, start + length);
    const end = field.indexOf(0);
    return field.subarray(0, end === -1 ? field.length : end).toString("utf8");
}

/** An octal number field (spaces and NULs around it). */
function octal(block: Buffer, start: number, length: number, what: string): number {
    if (block[start] & 0x80) throw new Error(`tar: ${what} uses base-256 (an entry over 8 GB is not a chart file)`);
    const digits = text(block, start, length).trim();
    if (digits === "") return 0;
    if (!/^[0-7]+$/.test(digits)) throw new Error(`tar: ${what} ${JSON.stringify(digits)} is not an octal number`);
    return Number.parseInt(digits, 8);
}

/** The header checksum: the byte sum of the header with the checksum field read as spaces. */
function checksumMatches(block: Buffer): boolean {
    let sum = 0;
    for (let i = 0; i < blockSize; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i];
    return sum === octal(block, 148, 8, "checksum");
}

/** PAX extended header records: "<length> <key>=<value>\n", the length counting the whole record. */
export function paxRecords(data: Buffer): Map<string, string> {
    const records = new Map<string, string>();
    let at = 0;
    while (at < data.length) {
        const space = data.indexOf(0x20, at);
        if (space === -1) break;
        const length = Number.parseInt(data.subarray(at, space).toString("ascii"), 10);
        if (!Number.isInteger(length) || length <= space - at || at + length > data.length) throw new Error("tar: a PAX record has a bad length");
        const record = data.subarray(space + 1, at + length - 1).toString("utf8");
        const eq = record.indexOf("=");
        if (eq > 0) records.set(record.slice(0, eq), record.slice(eq + 1));
        at += length;
    }
    return records;
}

/** Regular files of a tar archive by path, in archive order. */
export function readTar(tar: Buffer): Map<string, Buffer> {
    const files = new Map<string, Buffer>();
    let offset = 0;
    let nextName: string | undefined; // from a GNU long-name or PAX record, for the next entry
    while (offset + blockSize <= tar.length) {
        const header = tar.subarray(offset, offset + blockSize);
        if (header.every((b) => b === 0)) break; // the end-of-archive blocks
        if (!checksumMatches(header)) throw new Error(`tar: the header at byte ${offset} is damaged (checksum mismatch)`);
        const name = text(header, 0, 100);
        const size = octal(header, 124, 12, `the size of ${name}`);
        const type = header[156] === 0 ? "0" : String.fromCharCode(header[156]);
        const prefix = text(header, 257, 6).startsWith("ustar") ? text(header, 345, 155) : "";
        const start = offset + blockSize;
        if (start + size > tar.length) throw new Error(`tar: ${name} is truncated`);
        const data = tar.subarray(start, start + size);
        offset = start + Math.ceil(size / blockSize) * blockSize;
        if (type === "L") {
            nextName = text(data, 0, data.length);
        } else if (type === "x") {
            nextName = paxRecords(data).get("path") ?? nextName;
        } else if (type === "g") {
            // Global PAX records (Go writes none for charts) carry nothing the files need.
        } else {
            const path = nextName ?? (prefix ? `${prefix}/${name}` : name);
            nextName = undefined;
            if (type === "0" || type === "7") files.set(path, Buffer.from(data));
        }
    }
    return files;
}

/** The files of a gzip-compressed tar archive (.tgz). */
export function readTgz(archive: Buffer): Map<string, Buffer> {
    let tar: Buffer;
    try {
        tar = zlib.gunzipSync(archive, { maxOutputLength: maxUnpackedBytes });
    } catch (e) {
        throw new Error(`not a gzip archive of at most ${maxUnpackedBytes / 1024 / 1024} MB unpacked (${(e as Error).message})`, { cause: e });
    }
    return readTar(tar);
}
