// Issue 14, item 3: the pure parts of the chart cache: the tar reader (a chart archive is a
// gzip'd tar written by Go's archive/tar) and Helm's repository index and URL rules.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as zlib from "node:zlib";
import { describe, test } from "node:test";
import { paxRecords, readTar, readTgz } from "../tools/review/tarArchive";
import { ChartError, indexEntries, indexEntry, resolveReferenceUrl } from "../tools/review/helmRepository";
import { testChartCache } from "./support/helmRepository";

/** One ustar header block (checksum filled in) followed by the data padded to 512 bytes. */
function entry(name: string, data: Buffer | string, type = "0", prefix = ""): Buffer {
    const body = Buffer.from(data);
    const header = Buffer.alloc(512);
    header.write(name, 0, 100, "utf8");
    header.write("0000644\0", 100);
    header.write("0000000\0", 108);
    header.write("0000000\0", 116);
    header.write(body.length.toString(8).padStart(11, "0") + "\0", 124);
    header.write("00000000000\0", 136);
    header.write(type, 156);
    header.write("ustar\0", 257);
    header.write("00", 263);
    header.write(prefix, 345, 155, "utf8");
    header.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of header) sum += b;
    header.write(sum.toString(8).padStart(6, "0") + "\0 ", 148);
    return Buffer.concat([header, body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
}
const end = Buffer.alloc(1024);
const pax = (key: string, value: string): string => {
    const rest = ` ${key}=${value}\n`;
    let length = rest.length + 1;
    while (`${length}${rest}`.length !== length) length++;
    return `${length}${rest}`;
};

describe("tar reader", () => {
    test("reads the published gmsa-0.13.0.tgz (the verified archive the tests have): its regular files, CRDs and values among them", () => {
        const files = readTgz(fs.readFileSync(testChartCache().files.archive));
        assert.ok(files.has("gmsa/Chart.yaml"));
        assert.ok(files.has("gmsa/values.yaml"));
        assert.match(files.get("gmsa/crds/crds.yaml")!.toString(), /kind: CustomResourceDefinition/);
    });

    test("ustar prefix, PAX and GNU long names; directories and links are skipped", () => {
        const long = `gmsa/crds/${"x".repeat(120)}.yaml`;
        const tar = Buffer.concat([
            entry("gmsa/", "", "5"),
            entry("values.yaml", "a: 1\n", "0", "gmsa"),
            entry("PaxHeader", pax("path", long), "x"),
            entry("truncated-name", "kind: A\n"),
            entry("././@LongLink", `gmsa/templates/${"y".repeat(110)}.tpl\0`, "L"),
            entry("short", "{{ }}\n"),
            entry("gmsa/link", "", "2"),
            end,
        ]);
        assert.deepEqual(
            [...readTar(tar)].map(([f, d]) => [f, d.toString()]),
            [
                ["gmsa/values.yaml", "a: 1\n"],
                [long, "kind: A\n"],
                [`gmsa/templates/${"y".repeat(110)}.tpl`, "{{ }}\n"],
            ],
        );
    });

    test("PAX records: the length counts the whole record", () => {
        assert.deepEqual(
            [...paxRecords(Buffer.from(pax("path", "a/b") + pax("mtime", "1.5")))],
            [
                ["path", "a/b"],
                ["mtime", "1.5"],
            ],
        );
        assert.throws(() => paxRecords(Buffer.from("99 path=a\n")), /bad length/);
    });

    test("a damaged header, a truncated entry and a file that is not gzip are errors", () => {
        const damaged = entry("gmsa/values.yaml", "a: 1\n");
        damaged[0] = "h".charCodeAt(0);
        assert.throws(() => readTar(Buffer.concat([damaged, end])), /the header at byte 0 is damaged \(checksum mismatch\)/);
        assert.throws(() => readTar(entry("gmsa/values.yaml", "a: 1\n".repeat(200)).subarray(0, 1024)), /gmsa\/values\.yaml is truncated/);
        assert.throws(() => readTgz(Buffer.from("<html>not found</html>")), /not a gzip archive/);
        assert.deepEqual(
            [...readTgz(zlib.gzipSync(Buffer.concat([entry("a", "b"), end])))].map(([f]) => f),
            ["a"],
        );
    });
});

describe("Helm repository index", () => {
    test("URLs resolve as Helm's ResolveReferenceURL: relative to the repository with a trailing slash, absolute as is", () => {
        const repo = "https://raw.githubusercontent.com/kubernetes-sigs/windows-gmsa/master/charts/repo";
        assert.equal(resolveReferenceUrl(repo, "index.yaml"), `${repo}/index.yaml`);
        assert.equal(resolveReferenceUrl(`${repo}/`, "gmsa-0.13.0.tgz"), `${repo}/gmsa-0.13.0.tgz`);
        assert.equal(resolveReferenceUrl(repo, "https://example.com/charts/gmsa-0.13.0.tgz"), "https://example.com/charts/gmsa-0.13.0.tgz");
        assert.equal(resolveReferenceUrl("https://charts.example.com/r?token=1", "index.yaml"), "https://charts.example.com/r/index.yaml?token=1");
    });

    test("entries keep every scalar a string (an all-digit digest stays text)", () => {
        const index =
            "apiVersion: v1\nentries:\n  gmsa:\n  - version: 0.13.0\n    digest: 0000000000000000000000000000000000000000000000000000000000000001\n    urls: [gmsa-0.13.0.tgz]\n";
        assert.deepEqual(indexEntries(index, "gmsa", "index.yaml"), [
            { name: "gmsa", version: "0.13.0", digest: "0".repeat(63) + "1", urls: ["gmsa-0.13.0.tgz"] },
        ]);
    });

    test("not an index, a version missing, a version without urls: errors naming what is wrong", () => {
        assert.throws(
            () => indexEntries("<html></html>", "gmsa", "https://x/index.yaml"),
            (e: Error) => e instanceof ChartError && /https:\/\/x\/index\.yaml is not a Helm repository index/.test(e.message),
        );
        assert.throws(() => indexEntry([], "gmsa", "0.13.0", "i"), /i has no version 0\.13\.0 of chart gmsa \(it has no versions of it\)/);
        assert.throws(() => indexEntry([{ name: "gmsa", version: "0.13.0", urls: [] }], "gmsa", "0.13.0", "i"), /i: chart gmsa 0\.13\.0 has no urls/);
    });
});
