// Where CoreDNS answers inside the cluster. Pure; the cluster component and the settings use it.
import { nthAddress, parseCidr } from "./cidr";

/** The address CoreDNS answers on: the 10th address of the service CIDR (EKS convention). */
export function clusterDnsIp(serviceCidr: string): string {
    return nthAddress(parseCidr(serviceCidr), 10);
}
