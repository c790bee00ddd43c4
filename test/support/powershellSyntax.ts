// A PowerShell syntax check for the scripts the program ships to Windows hosts. PowerShell's own
// parser and PSScriptAnalyzer need pwsh, which neither Debian bookworm(-backports) nor the npm
// registry installs here (npm's `pwsh` package downloads it from GitHub at install time), so this
// parses with tree-sitter-powershell (airbus-cert's grammar, shipped as WebAssembly) under
// web-tree-sitter: it finds syntax errors, not the style and correctness rules of a linter.
//
// One gap of that grammar is worked around: its command_parameter token (/-+[a-zA-Z_?\-`]+/) has no
// digits, so `-Base64ClusterCA` (a parameter of the AMI's Start-EKSBootstrap.ps1) splits into two
// commands (airbus-cert/tree-sitter-powershell issue 59, open). PowerShell allows digits after a
// parameter name's first character, so they are masked with a letter before parsing (positions kept).
import * as path from "node:path";
import { Language, Parser, type Node, type Tree } from "web-tree-sitter";

export interface SyntaxProblem {
    /** 1-based line and column of the first character the grammar could not place. */
    line: number;
    column: number;
    /** "unexpected <text>" or "missing <token>". */
    what: string;
}

export interface PowerShellParse {
    tree: Tree;
    problems: SyntaxProblem[];
}

let parser: Promise<Parser> | undefined;

async function loadParser(): Promise<Parser> {
    await Parser.init();
    const grammar = path.join(path.dirname(require.resolve("tree-sitter-powershell/package.json")), "tree-sitter-powershell.wasm");
    const created = new Parser();
    created.setLanguage(await Language.load(grammar));
    return created;
}

/** Every place the grammar could not parse, in source order (none for a well-formed script). */
export function syntaxProblems(root: Node): SyntaxProblem[] {
    const problems: SyntaxProblem[] = [];
    const visit = (node: Node): void => {
        if (node.isMissing || node.isError) {
            const what = node.isMissing ? `missing ${node.type}` : `unexpected ${JSON.stringify(node.text.slice(0, 60))}`;
            problems.push({ line: node.startPosition.row + 1, column: node.startPosition.column + 1, what });
        } else if (node.hasError) {
            for (const child of node.children) visit(child);
        }
    };
    visit(root);
    return problems;
}

/** Digits after the first letter of a `-Name` command parameter, replaced by `x` (same length). */
export function maskParameterDigits(source: string): string {
    return source.replace(/(?<=^|[\s(;|])-[A-Za-z_][A-Za-z0-9_]*/gm, (parameter) => parameter.replace(/[0-9]/g, "x"));
}

/** The syntax tree of a PowerShell script (parameter digits masked) and its problems. */
export async function parsePowerShell(source: string): Promise<PowerShellParse> {
    parser ??= loadParser();
    const tree = (await parser).parse(maskParameterDigits(source));
    if (!tree) throw new Error("tree-sitter-powershell returned no tree");
    return { tree, problems: syntaxProblems(tree.rootNode) };
}

/** The problems as `file:line:column: what` lines, for an assertion message. */
export function formatProblems(file: string, problems: readonly SyntaxProblem[]): string {
    return problems.map((p) => `${file}:${p.line}:${p.column}: ${p.what}`).join("\n");
}
