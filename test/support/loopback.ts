// Where a test DC listens (see samba.ts): a loopback address of its own, and whether a port on it
// accepts connections yet.

import { randomInt } from "node:crypto";
import * as net from "node:net";

/** A random 127.x.y.z (x >= 16, so never 127.0.0.1 or Debian's 127.0.1.1) on which port 389 is free. */
export async function pickLoopbackAddress(): Promise<string> {
    for (let i = 0; i < 20; i++) {
        const ip = `127.${randomInt(16, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
        if (await portFree(ip, 389)) return ip;
    }
    throw new Error("no free loopback address for samba");
}

function portFree(host: string, port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const srv = net.createServer();
        srv.once("error", () => resolve(false));
        srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(true)));
    });
}

/** Whether a TCP connection to host:port opens within timeoutMs. */
export function connects(host: string, port: number, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.connect({ host, port });
        const done = (ok: boolean) => {
            socket.destroy();
            resolve(ok);
        };
        socket.setTimeout(timeoutMs, () => done(false));
        socket.once("connect", () => done(true));
        socket.once("error", () => done(false));
    });
}
