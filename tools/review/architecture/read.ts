// The whole model from a plan's resource inputs (never from config, so the picture shows what
// would really be registered).
import type { Plan } from "../../planFile";
import { RbacIndex, str } from "../../../policy/api";
import type { ArchitectureModel, CredentialSpecModel, DomainJoinModel, GmsaMode } from "./model";
import { PlanIndex, T } from "./planIndex";
import { activeDirectoryModel, dnsPathModel, domainJoinModel, portableIdentityModel } from "./readActiveDirectory";
import { clusterModel, linuxNodeGroups, networkModel, windowsNodeGroups } from "./readInfrastructure";
import { credentialSpecModels, helmReleases, resourceLikes, webhookOptOutNamespaces, workloadModels } from "./readKubernetes";

function regionOf(index: PlanIndex): string | undefined {
    const zone = index
        .ofType(T.subnet)
        .map((s) => str(s.inputs.availabilityZone))
        .find((z) => z !== undefined);
    if (zone) return zone.replace(/[a-z]$/, "");
    return index
        .ofType("pulumi:providers:aws")
        .map((p) => str(p.inputs.region))
        .find((r) => r !== undefined);
}

function gmsaModeOf(domainJoin: DomainJoinModel | undefined, credentialSpecs: readonly CredentialSpecModel[]): GmsaMode {
    if (domainJoin) return "domain-joined";
    if (credentialSpecs.some((c) => c.domainless)) return "domainless";
    return "unknown";
}

/** Everything the picture shows, read from the plan's resource inputs. Pure and deterministic. */
export function architectureModel(plan: Plan): ArchitectureModel {
    const index = new PlanIndex(plan.resources);
    const rbac = new RbacIndex(resourceLikes(plan));
    const credentialSpecs = credentialSpecModels(index, rbac);
    // Outputs the offline runtime made up are shown as known at deploy time, never as facts.
    const invented = plan.deployTimeValues;
    const domainJoin = domainJoinModel(index, invented);
    const dns = dnsPathModel(index, invented);
    return {
        project: plan.project,
        stack: plan.stack,
        resourceCount: plan.resources.length,
        region: regionOf(index),
        network: networkModel(index),
        cluster: clusterModel(index),
        linuxNodeGroups: linuxNodeGroups(index),
        windowsNodeGroups: windowsNodeGroups(index),
        gmsaMode: gmsaModeOf(domainJoin, credentialSpecs),
        domainJoin,
        activeDirectory: activeDirectoryModel(index, dns, credentialSpecs, domainJoin),
        dns,
        portableIdentity: portableIdentityModel(index, credentialSpecs),
        helmReleases: helmReleases(index),
        webhookOptOutNamespaces: webhookOptOutNamespaces(index),
        credentialSpecs,
        workloads: workloadModels(index, rbac),
        ...(invented ? { deployTimeValues: invented } : {}),
    };
}
