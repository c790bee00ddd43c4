// Helm releases (kubernetes:helm.sh/v3:Release) install their objects themselves: the pack never
// sees the pods a chart makes. What it can read, the release's values, must not ask for a gMSA or
// for the node unless the release is on this policy's allow-list (reviewed).

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { configStrings, readConfig } from "./lib/config";
import { guardResource } from "./lib/guard";
import { isHelmV3Release, releaseAllowed, releaseId, releaseValues } from "./lib/helmValues";
import { plainProps, summarize, urnName } from "./lib/values";

/** The stack's own releases as eks-gmsa installs them by default: the windows-gmsa webhook and cert-manager (settings/validate.ts). */
export const DEFAULT_HELM_RELEASES_ALLOWED = ["gmsa-webhook/gmsa-webhook@gmsa", "cert-manager/cert-manager@cert-manager"];

export const helmReleaseValuesAllowlist: ResourceValidationPolicy = {
    name: "helm-release-values-allowlist",
    description:
        "A kubernetes:helm.sh/v3:Release installs its chart's objects itself, unseen by this pack; its values (the only part the pack can read) set no gMSA " +
        "(windowsOptions.gmsaCredentialSpecName or gmsaCredentialSpec) and no host access (hostProcess, privileged, hostNetwork, hostPID, hostIPC), " +
        "and are all readable (not a secret, not valueYamlFiles), unless the release is in this policy's helmReleasesAllowed (<namespace>/<release name>[@<chart>]).",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            helmReleasesAllowed: {
                type: "array",
                description:
                    "Releases whose values were reviewed, as <namespace>/<release name>, or <namespace>/<release name>@<chart> to require that chart too. " +
                    "Default: eks-gmsa's own, the gmsa webhook chart and cert-manager as the program names them by default.",
                default: DEFAULT_HELM_RELEASES_ALLOWED,
                items: { type: "string", pattern: "^[^/@]+/[^/@]+(@[^@]+)?$" },
            },
        },
    },
    validateResource: guardResource("helm-release-values-allowlist", (args, report) => {
        if (!isHelmV3Release(args.type)) return;
        const props = plainProps(args.props);
        const found = releaseValues(props);
        if (found.settings.length === 0 && found.unread.length === 0) return;
        const id = releaseId(props);
        // A name or namespace computed at deployment is judged then, with the real value.
        if (id.opaque === "unknown") return;
        if (releaseAllowed(configStrings(readConfig(args), "helmReleasesAllowed", DEFAULT_HELM_RELEASES_ALLOWED), id)) return;
        const label = `Release ${id.namespace ?? "?"}/${id.name ?? `${urnName(args.urn)} (Pulumi resource; name not set, so Helm's release name is generated)`}${id.chart ? ` (chart ${id.chart})` : ""}`;
        const what = [
            ...(found.settings.length > 0 ? [`sets, in its values, ${summarize(found.settings, 8)}`] : []),
            ...(found.unread.length > 0 ? [`has values this pack cannot read: ${found.unread.join(", ")}`] : []),
        ].join("; and ");
        const ref =
            id.name !== undefined && id.namespace !== undefined
                ? `"${id.namespace}/${id.name}${id.chart ? `@${id.chart.split("/").pop()}` : ""}"`
                : `"<namespace>/<release name>" (set the release's name first)`;
        report(
            `${label} ${what}. Helm installs the chart's objects itself, so this pack sees neither the pods it makes nor which of these values reach which pod, ` +
                `as which service account, in which namespace: a gMSA there is used without the pack's RBAC check, and host access reaches the node (on a Windows node, its SYSTEM account, which holds every gMSA the node retrieves). ` +
                `Fix: remove these values${found.unread.length > 0 ? " (give values inline, as plain values: the pack reads no secret and no file)" : ""}; ` +
                `or review the chart's templates and values and add ${ref} to this policy's helmReleasesAllowed; ` +
                `or install the chart with kubernetes:helm.sh/v4 Chart, whose objects this pack judges one by one.`,
        );
    }),
};
