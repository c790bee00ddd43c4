// DNS servers that fail the way real ones do, for `verify --dns`: each on port 53 of its own
// loopback address (verify asks port 53, as Windows and the CCG plugin do).
//
//   nxdomain  answers every question NXDOMAIN, over UDP and TCP (a resolver that does not know
//             the domain: no conditional forwarder to the DCs)
//   refused   answers every question REFUSED, over UDP and TCP (a resolver that serves other clients)
//   silent    takes UDP questions and never answers (a firewall that drops DNS)
//   udpOnly   relays UDP questions to an upstream server and has nothing on TCP 53 (a security
//             group that opens UDP 53 only)
import { randomInt } from "node:crypto";
import * as dgram from "node:dgram";
import * as net from "node:net";

export interface DnsStandIn {
    address: string;
    close(): Promise<void>;
}

export async function startDnsStandIn(kind: "nxdomain" | "refused" | "silent" | "udpOnly", upstream?: string): Promise<DnsStandIn> {
    for (let attempt = 0; attempt < 20; attempt++) {
        const address = `127.${randomInt(16, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
        const udp = dgram.createSocket("udp4");
        try {
            await new Promise<void>((resolve, reject) => {
                udp.once("error", reject);
                udp.bind(53, address, () => resolve());
            });
        } catch {
            udp.close();
            continue;
        }
        udp.on("error", () => {
            /* a stand-in never takes a test down */
        });
        let tcp: net.Server | undefined;
        if (kind === "nxdomain" || kind === "refused") {
            const rcode = kind === "nxdomain" ? 3 : 5;
            udp.on("message", (query, peer) => udp.send(failure(query, rcode), peer.port, peer.address));
            tcp = net.createServer((socket) => {
                socket.on("error", () => socket.destroy());
                let buffer = Buffer.alloc(0);
                socket.on("data", (chunk) => {
                    buffer = Buffer.concat([buffer, chunk]);
                    while (buffer.length >= 2 && buffer.length >= 2 + buffer.readUInt16BE(0)) {
                        const answer = failure(buffer.subarray(2, 2 + buffer.readUInt16BE(0)), rcode);
                        buffer = buffer.subarray(2 + buffer.readUInt16BE(0));
                        const length = Buffer.alloc(2);
                        length.writeUInt16BE(answer.length);
                        socket.write(Buffer.concat([length, answer]));
                    }
                });
            });
            await new Promise<void>((resolve) => tcp!.listen(53, address, () => resolve()));
        } else if (kind === "udpOnly") {
            if (!upstream) throw new Error("udpOnly needs an upstream server");
            udp.on("message", (query, peer) => {
                const relay = dgram.createSocket("udp4");
                relay.on("error", () => relay.close());
                relay.on("message", (answer) => {
                    udp.send(answer, peer.port, peer.address);
                    relay.close();
                });
                relay.send(query, 53, upstream);
            });
        }
        return {
            address,
            close: async () => {
                udp.close();
                if (tcp) await new Promise<void>((resolve) => tcp!.close(() => resolve()));
            },
        };
    }
    throw new Error("no free loopback address for a DNS stand-in");
}

/** The query turned into its own failed answer: same id and question, QR and RA set, no records. */
function failure(query: Buffer, rcode: number): Buffer {
    const answer = Buffer.from(query);
    answer[2] = 0x80 | (query[2] & 0x01); // QR, RD copied
    answer[3] = 0x80 | rcode; // RA, RCODE
    answer.writeUInt16BE(0, 6); // no answers
    answer.writeUInt16BE(0, 8);
    answer.writeUInt16BE(0, 10); // no additional records (drops the query's EDNS OPT, if any)
    return answer;
}
