// Binary forms Active Directory uses: SIDs, objectGUIDs, and the security descriptor in
// msDS-GroupMSAMembership (who may retrieve a gMSA's password). Pure.
import { dnsNameOf, parseDn } from "./dn";

/** A binary SID (revision, sub-authority count, 48-bit authority, 32-bit LE sub-authorities) as S-1-… text. */
export function sidToString(buf: Buffer): string {
    if (buf.length < 8 || buf[0] !== 1 || buf.length !== 8 + 4 * buf[1]) throw new Error("not a binary SID");
    const authority = buf.readUIntBE(2, 6);
    const subs = Array.from({ length: buf[1] }, (_, i) => buf.readUInt32LE(8 + 4 * i));
    return `S-1-${authority}${subs.map((s) => `-${s}`).join("")}`;
}

export function sidToBuffer(sid: string): Buffer {
    const match = /^S-1-(\d+)((?:-\d+)+)$/i.exec(sid);
    if (!match) throw new Error(`not a SID: ${sid}`);
    const subs = match[2].slice(1).split("-").map(Number);
    const buf = Buffer.alloc(8 + 4 * subs.length);
    buf[0] = 1;
    buf[1] = subs.length;
    buf.writeUIntBE(Number(match[1]), 2, 6);
    subs.forEach((s, i) => buf.writeUInt32LE(s, 8 + 4 * i));
    return buf;
}

/** objectGUID bytes (first three fields little-endian) as the registry form AD tools print. */
export function guidToString(buf: Buffer): string {
    if (buf.length !== 16) throw new Error("not a binary GUID");
    const hex = (b: Buffer) => b.toString("hex");
    const le = (start: number, length: number) => hex(Buffer.from(buf.subarray(start, start + length)).reverse());
    return `${le(0, 4)}-${le(4, 2)}-${le(6, 2)}-${hex(buf.subarray(8, 10))}-${hex(buf.subarray(10, 16))}`;
}

/** Access mask Windows writes for principals allowed to retrieve a gMSA's password. */
export const gmsaRetrieveAccessMask = 0x000f01ff;
const builtinAdministrators = "S-1-5-32-544";

/**
 * A self-relative security descriptor: owner BUILTIN\Administrators and a DACL with one
 * ACCESS_ALLOWED ACE per SID (what `-PrincipalsAllowedToRetrieveManagedPassword` writes).
 */
export function gmsaMembershipDescriptor(allowedSids: readonly string[]): Buffer {
    const aces = allowedSids.map((sid) => {
        const sidBuf = sidToBuffer(sid);
        const ace = Buffer.alloc(8 + sidBuf.length);
        ace[0] = 0x00; // ACCESS_ALLOWED_ACE_TYPE
        ace[1] = 0x00; // flags
        ace.writeUInt16LE(ace.length, 2);
        ace.writeUInt32LE(gmsaRetrieveAccessMask, 4);
        sidBuf.copy(ace, 8);
        return ace;
    });
    const aclBody = Buffer.concat(aces);
    const acl = Buffer.alloc(8 + aclBody.length);
    acl[0] = 2; // ACL_REVISION
    acl.writeUInt16LE(acl.length, 2);
    acl.writeUInt16LE(aces.length, 4);
    aclBody.copy(acl, 8);
    const owner = sidToBuffer(builtinAdministrators);
    const header = Buffer.alloc(20);
    header[0] = 1; // revision
    header.writeUInt16LE(0x8004, 2); // SE_SELF_RELATIVE | SE_DACL_PRESENT
    header.writeUInt32LE(20, 4); // owner offset
    header.writeUInt32LE(0, 8); // no group
    header.writeUInt32LE(0, 12); // no SACL
    header.writeUInt32LE(20 + owner.length, 16); // DACL offset
    return Buffer.concat([header, owner, acl]);
}

/** The SIDs a security descriptor's DACL allows (ACCESS_ALLOWED ACEs), in order. */
export function allowedSidsOf(descriptor: Buffer): string[] {
    if (descriptor.length < 20 || descriptor[0] !== 1) throw new Error("not a self-relative security descriptor");
    const daclOffset = descriptor.readUInt32LE(16);
    if (daclOffset === 0) return [];
    const count = descriptor.readUInt16LE(daclOffset + 4);
    const sids: string[] = [];
    let at = daclOffset + 8;
    for (let i = 0; i < count; i++) {
        const type = descriptor[at];
        const size = descriptor.readUInt16LE(at + 2);
        if (type === 0x00) {
            const sidStart = at + 8;
            const sidLength = 8 + 4 * descriptor[sidStart + 1];
            sids.push(sidToString(descriptor.subarray(sidStart, sidStart + sidLength)));
        }
        at += size;
    }
    return sids;
}

/** DC=corp,DC=example,DC=com → corp.example.com */
export function dnToDnsName(dn: string): string {
    const parsed = parseDn(dn);
    if (!parsed.ok) throw new Error(`not a distinguished name: ${JSON.stringify(dn)} ${parsed.problem}`);
    return dnsNameOf(parsed.rdns);
}

/** The quoted UTF-16LE form AD's unicodePwd takes. */
export function unicodePwd(password: string): Buffer {
    return Buffer.from(`"${password}"`, "utf16le");
}

/** RFC 4515 escaping of a value placed in an LDAP filter. */
export function escapeFilterValue(value: string): string {
    return value.replace(/[\\*()\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}
