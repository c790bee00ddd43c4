// CoreDNS Corefile: the EKS default server block plus conditional forwarders. Pure.

export interface ConditionalForwarder {
    /** DNS zone, e.g. the AD domain corp.example.com. */
    domain: string;
    /** Upstream servers (the domain controllers' DNS). */
    servers: readonly string[];
}

/** The server block EKS ships (coredns add-on default), plugin for plugin. */
const defaultServerBlock = [
    ".:53 {",
    "    errors",
    "    health {",
    "        lameduck 5s",
    "    }",
    "    ready",
    "    kubernetes cluster.local in-addr.arpa ip6.arpa {",
    "        pods insecure",
    "        fallthrough in-addr.arpa ip6.arpa",
    "    }",
    "    prometheus :9153",
    "    forward . /etc/resolv.conf",
    "    cache 30",
    "    loop",
    "    reload",
    "    loadbalance",
    "}",
];

/**
 * Pods resolve the AD domain (its SRV records for Kerberos and LDAP, its domain controllers) through
 * the AD DNS servers; everything else goes the EKS default way. Zones are matched most-specific
 * first by CoreDNS, so the order of blocks does not matter.
 */
export function renderCorefile(forwarders: readonly ConditionalForwarder[]): string {
    const blocks = [defaultServerBlock.join("\n")];
    for (const f of forwarders) {
        blocks.push([`${f.domain}:53 {`, "    errors", "    cache 30", `    forward . ${f.servers.join(" ")}`, "    reload", "}"].join("\n"));
    }
    return blocks.join("\n") + "\n";
}

/** The plugins a Corefile block uses, for checks (first word of each directive line). */
export function pluginsOf(corefile: string, zone: string): string[] {
    const lines = corefile.split("\n");
    const start = lines.findIndex((l) => l.trim() === `${zone} {`);
    if (start < 0) return [];
    const plugins: string[] = [];
    let depth = 0;
    for (const line of lines.slice(start + 1)) {
        const trimmed = line.trim();
        if (trimmed === "}") {
            if (depth === 0) break;
            depth--;
            continue;
        }
        if (depth === 0 && trimmed) plugins.push(trimmed.split(/\s+/)[0]);
        if (trimmed.endsWith("{")) depth++;
    }
    return plugins;
}
