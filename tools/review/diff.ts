// The day-2 diff (docs/day2-diff.md): what `pulumi preview` would do to go from one plan (what is
// deployed) to another (what the program declares now), offline. URNs only in the new plan are
// created, only in the old one deleted; resources in both are compared input by input, and a
// change is an update unless the type's rules (./replacementRules.ts, data in
// ./data/replacement-rules.json) or the resource's replaceOnChanges make it a replace. A replaced
// or created resource, or an update that recomputes outputs, leaves its outputs unknown in a
// preview: inputs fed from it (property dependencies) change too, and a replaced provider
// replaces the resources it manages. The steps live in ./diff/.
export { formatPath, parsePath, pathContains, type PathSegment } from "./diff/propertyPaths";
export { changedPaths, resetIgnored } from "./diff/values";
export { describeUrn } from "./diff/classify";
export { diffPlans, explainDiff, formatDiff, planMismatch, type DiffExplanation, type ExplainedDiff, type PlanDiff } from "./diff/explain";
