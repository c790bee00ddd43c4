// IPv4 address and CIDR arithmetic. Pure functions, shared by config validation and the network
// component (subnet carving), so both agree on what a valid block is.

export interface Cidr {
    /** Network address as an unsigned 32-bit integer. */
    readonly base: number;
    readonly prefix: number;
    /** Canonical text form, e.g. "10.0.0.0/16". */
    readonly text: string;
}

const octet = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
const ipv4Pattern = new RegExp(`^${octet}\\.${octet}\\.${octet}\\.${octet}$`);

export function isIpv4(text: string): boolean {
    return ipv4Pattern.test(text);
}

export function ipv4ToInt(text: string): number {
    if (!isIpv4(text)) throw new Error(`not an IPv4 address: ${text}`);
    return text.split(".").reduce((acc, part) => acc * 256 + Number(part), 0);
}

export function intToIpv4(value: number): string {
    return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/** Why `text` is not a canonical IPv4 CIDR block, or undefined when it is one. */
export function cidrProblem(text: string): string | undefined {
    const match = /^([0-9.]+)\/(0|[1-9][0-9]?)$/.exec(text);
    if (!match || !isIpv4(match[1])) return "is not an IPv4 CIDR block such as 10.0.0.0/16";
    const prefix = Number(match[2]);
    if (prefix > 32) return "has a prefix length over 32";
    const base = ipv4ToInt(match[1]);
    if (base % blockSize(prefix) !== 0) {
        return `has host bits set; the block is ${intToIpv4(base - (base % blockSize(prefix)))}/${prefix}`;
    }
    return undefined;
}

export function parseCidr(text: string): Cidr {
    const problem = cidrProblem(text);
    if (problem) throw new Error(`${text} ${problem}`);
    const [address, prefix] = text.split("/");
    return { base: ipv4ToInt(address), prefix: Number(prefix), text };
}

export function blockSize(prefix: number): number {
    return 2 ** (32 - prefix);
}

export function contains(outer: Cidr, inner: Cidr): boolean {
    return inner.prefix >= outer.prefix && inner.base >= outer.base && inner.base + blockSize(inner.prefix) <= outer.base + blockSize(outer.prefix);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
    return a.base < b.base + blockSize(b.prefix) && b.base < a.base + blockSize(a.prefix);
}

export function containsAddress(block: Cidr, address: string): boolean {
    const value = ipv4ToInt(address);
    return value >= block.base && value < block.base + blockSize(block.prefix);
}

/** The n-th address of a block (0 is the network address). */
export function nthAddress(block: Cidr, n: number): string {
    if (n < 0 || n >= blockSize(block.prefix)) throw new Error(`${block.text} has no address number ${n}`);
    return intToIpv4(block.base + n);
}

/** Splits `block` into consecutive sub-blocks of `newPrefix` and returns the first `count`. */
export function subdivide(block: Cidr, newPrefix: number, count: number, offset = 0): Cidr[] {
    if (newPrefix < block.prefix || newPrefix > 28) throw new Error(`cannot carve /${newPrefix} blocks out of ${block.text}`);
    const available = blockSize(block.prefix) / blockSize(newPrefix);
    if (offset + count > available) throw new Error(`${block.text} holds only ${available} /${newPrefix} blocks`);
    return Array.from({ length: count }, (_, i) => {
        const base = block.base + (offset + i) * blockSize(newPrefix);
        return { base, prefix: newPrefix, text: `${intToIpv4(base)}/${newPrefix}` };
    });
}

const privateRanges = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map(parseCidr);

export function isPrivate(block: Cidr): boolean {
    return privateRanges.some((range) => contains(range, block));
}
