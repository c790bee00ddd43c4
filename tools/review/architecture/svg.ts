// DOT to SVG with Graphviz compiled to WebAssembly (@viz-js/viz): nothing to install, the same
// output everywhere.
let vizInstance: Promise<import("@viz-js/viz").Viz> | undefined;

/** Renders DOT to SVG with Graphviz in WebAssembly (one instance per process: loading it takes the time). */
export async function renderSvg(dot: string): Promise<string> {
    vizInstance ??= import("@viz-js/viz").then((viz) => viz.instance());
    const viz = await vizInstance;
    const result = viz.render(dot, { format: "svg", engine: "dot" });
    if (result.status !== "success") throw new Error(`graphviz: ${result.errors.map((e) => e.message.trim()).join("; ")}`);
    // Graphviz sized the text with Helvetica's metrics: name the metric-compatible fonts too, so a
    // viewer without Helvetica does not fall back to a wider sans-serif that overflows the boxes.
    return result.output.replace(/font-family="Helvetica,sans-Serif"/g, 'font-family="Helvetica,Arial,Liberation Sans,sans-serif"');
}
