// The eks-gmsa policy pack's policies, in a stable order (gMSA in the cluster, then AWS).

import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { awsImdsv2Required, awsSecretsByArn, eksClusterAdminAllowlist } from "./aws";
import { gmsaCredspecWellFormed } from "./gmsaCredspec";
import { gmsaNoInlineCredspec, gmsaWindowsNodeSelector } from "./gmsaPods";
import { gmsaNoClusterWideBinding, gmsaRbacScoped } from "./gmsaRbac";
import { gmsaCredspecExists, gmsaWebhookPresent, gmsaWorkloadAuthorized } from "./gmsaStack";

export const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
    gmsaWorkloadAuthorized,
    gmsaCredspecExists,
    gmsaRbacScoped,
    gmsaNoClusterWideBinding,
    gmsaNoInlineCredspec,
    gmsaWindowsNodeSelector,
    gmsaCredspecWellFormed,
    gmsaWebhookPresent,
    awsSecretsByArn,
    awsImdsv2Required,
    eksClusterAdminAllowlist,
];
