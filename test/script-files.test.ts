// components/scriptFiles.ts: scripts shipped to hosts are read from components/scripts/ without
// their header comment, and their markers filled verbatim.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { fillMarkers, scriptsDir, shippedScript } from "../components/scriptFiles";

describe("shippedScript", () => {
    test("drops the header comment and the blank line after it, and the final newline", () => {
        const file = fs.readFileSync(path.join(scriptsDir, "gmsa-verification.ps1"), "utf8");
        const shipped = shippedScript("gmsa-verification.ps1");
        assert.ok(file.startsWith("# "), "the file documents itself");
        assert.ok(!shipped.split("\n").some((l) => l.startsWith("#")), shipped);
        assert.ok(file.endsWith(`\n\n${shipped}\n`), "everything after the header ships unchanged");
        assert.ok(!shipped.endsWith("\n"));
    });
});

describe("fillMarkers", () => {
    test("replaces every occurrence of each marker with its value, verbatim", () => {
        assert.equal(fillMarkers("t.ps1", "a __X__ b __X__ __Y__", { __X__: "$&$1", __Y__: "y" }), "a $&$1 b $&$1 y");
    });

    test("does not fill a marker that a value brings in", () => {
        assert.equal(fillMarkers("t.ps1", "__X__ __Y__", { __X__: "__Y__", __Y__: "y" }), "__Y__ y");
    });

    test("a marker the script lacks is an error naming the script and the marker", () => {
        assert.throws(() => fillMarkers("t.ps1", "no markers", { __X__: "x" }), /^Error: t\.ps1 has no __X__$/);
    });
});
