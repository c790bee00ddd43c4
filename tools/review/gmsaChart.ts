// The gmsa chart the plan's Helm release installs, as the contracts the manifests are checked
// against: its CRDs (every GMSACredentialSpec) and its values.yaml (the release's values). The
// chart comes from the chart cache (chartCache.ts), fetched from the release's repository the
// first time; the version and repository are the release's own, read from the plan.
import * as path from "path";
import { ChartError, chartCacheDir, chartMirrorVariable, chartPin, loadChart, type ChartFiles } from "./chartCache";
import { customResourceValidators } from "./crdSchema";
import { valuesContract, type HelmValuesContracts } from "./helmValues";
import type { CustomResourceValidators } from "./manifests";

type PlanLike = { resources: { type: string; inputs: Record<string, unknown> }[] };

/** Set (1/true/yes) where the checks must not be skipped (CI): an unreachable, uncached chart fails the plan. */
export const chartRequiredVariable = "EKS_GMSA_CHART_REQUIRED";
const credentialSpecKey = "windows.k8s.io/v1/GMSACredentialSpec";

export interface ChartContracts {
    customResources: CustomResourceValidators;
    helmValues: HelmValuesContracts;
    /** Set when the chart could not be had: the reason its objects are unchecked, already logged. */
    skipped?: string;
}

/** The version and repository of the plan's gmsa Helm release. */
export function gmsaReleaseChart(plan: PlanLike): { version: string; repository: string } | undefined {
    const release = plan.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === "gmsa");
    if (!release) return undefined;
    const repositoryOpts = release.inputs.repositoryOpts as { repo?: unknown } | undefined;
    return { version: String(release.inputs.version), repository: String(repositoryOpts?.repo ?? "") };
}

/** A chart's CRDs and values.yaml as the manifests' contracts. */
export function chartContracts(files: ChartFiles): ChartContracts {
    const label = `${files.pin.name} chart ${files.pin.version}`;
    return {
        customResources: customResourceValidators(files.crds, label),
        helmValues: new Map([
            [
                `${files.pin.name}@${files.pin.version}`,
                { contract: valuesContract(files.valuesYaml), source: `value keys checked against the ${label} values.yaml` },
            ],
        ]),
    };
}

/** Without the chart: its credential specs and release values are reported unchecked, never passed. */
export function unavailableGmsaContracts(version: string, reason: string): ChartContracts {
    return {
        customResources: new Map([[credentialSpecKey, { unavailable: reason }]]),
        helmValues: new Map([[`gmsa@${version}`, { unavailable: reason }]]),
    };
}

/**
 * The contracts of the gmsa chart the plan installs, from the cache or fetched into it. `log`
 * gets one line when the chart is fetched, and one when it cannot be had (the checks are then
 * skipped, or with EKS_GMSA_CHART_REQUIRED the plan fails). A digest mismatch, a version missing
 * from the index or a version with no pin throws ChartError.
 */
export async function gmsaChartContracts(plan: PlanLike, options: { env?: NodeJS.ProcessEnv; log?: (line: string) => void } = {}): Promise<ChartContracts> {
    const env = options.env ?? process.env;
    const chart = gmsaReleaseChart(plan);
    if (!chart) return { customResources: new Map(), helmValues: new Map() };
    const pin = chartPin("gmsa", chart.version, chart.repository);
    const cacheDir = chartCacheDir(env);
    const mirror = env[chartMirrorVariable];
    const loaded = await loadChart(pin, { cacheDir, ...(mirror ? { repository: mirror } : {}) });
    if ("unavailable" in loaded) {
        if (/^(1|true|yes)$/i.test(env[chartRequiredVariable] ?? ""))
            throw new ChartError(`${loaded.unavailable}; ${chartRequiredVariable} is set, so the CRD and values checks may not be skipped`);
        options.log?.(`warning: ${loaded.unavailable}; the CRD and values checks are skipped`);
        const reason = `the gmsa chart ${pin.version} is not cached and its repository cannot be reached`;
        return { ...unavailableGmsaContracts(pin.version, reason), skipped: reason };
    }
    if (loaded.fetchedFrom)
        options.log?.(`fetched the gmsa chart ${pin.version} from ${loaded.fetchedFrom} (sha256 as pinned) into ${path.dirname(loaded.files.archive)}`);
    return chartContracts(loaded.files);
}
