// Resource policy on GMSACredentialSpec documents.

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { credspecProblems } from "./lib/credspec";
import { guardResource } from "./lib/guard";
import { get, isKube, kubeLabel, plainProps } from "./lib/values";

export const gmsaCredspecWellFormed: ResourceValidationPolicy = {
    name: "gmsa-credspec-well-formed",
    description:
        "GMSACredentialSpecs are well-formed and hold no secrets: DomainJoinConfig has a domain SID, a GUID, a NetBIOS name of 1-15 characters " +
        "and the gMSA's MachineAccountName without '$'; ActiveDirectoryConfig lists the gMSA under the DNS and the NetBIOS domain name; " +
        'HostAccountConfig.PluginInput, if present, is only {"credentialArn": <Secrets Manager or SSM ARN>}.',
    enforcementLevel: "mandatory",
    validateResource: guardResource("gmsa-credspec-well-formed", (args, report) => {
        if (!isKube(args.type, "windows.k8s.io", "GMSACredentialSpec")) return;
        const props = plainProps(args.props);
        const label = kubeLabel("GMSACredentialSpec", props, args.urn, false);
        for (const problem of credspecProblems(get(props, "credspec"))) {
            report(`${label}: ${problem}.`);
        }
    }),
};
