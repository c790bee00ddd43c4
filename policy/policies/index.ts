// The eks-gmsa policy pack's policies, in a stable order (gMSA in the cluster, then the nodes, then AWS).

import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { awsImdsv2Required, awsSecretsByArn, eksClusterAdminAllowlist } from "./aws";
import { gmsaCredspecWellFormed } from "./gmsaCredspec";
import { gmsaWebhookSkippedNamespace } from "./gmsaNamespaces";
import { gmsaContainerCredspecMatchesPod, gmsaNoInlineCredspec, gmsaWindowsNodeSelector } from "./gmsaPods";
import { gmsaNoClusterWideBinding, gmsaRbacScoped } from "./gmsaRbac";
import { gmsaAuthorizationDeferred, gmsaWorkloadAuthorized } from "./gmsaAuthorization";
import { gmsaCredspecExists, gmsaWebhookPresent } from "./gmsaStack";
import { helmReleaseValuesAllowlist } from "./helmReleases";
import { podHostAccessAllowlist } from "./podHostAccess";

export const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
    gmsaWorkloadAuthorized,
    gmsaAuthorizationDeferred,
    gmsaCredspecExists,
    gmsaRbacScoped,
    gmsaNoClusterWideBinding,
    gmsaNoInlineCredspec,
    gmsaWindowsNodeSelector,
    gmsaCredspecWellFormed,
    gmsaWebhookPresent,
    gmsaContainerCredspecMatchesPod,
    gmsaWebhookSkippedNamespace,
    podHostAccessAllowlist,
    helmReleaseValuesAllowlist,
    awsSecretsByArn,
    awsImdsv2Required,
    eksClusterAdminAllowlist,
];
