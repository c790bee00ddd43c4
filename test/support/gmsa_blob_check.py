"""Cross-checks managedpassword.decode (written from [MS-ADTS] 2.2.19) against Samba's own NDR
decoder (samba.dcerpc.gmsa, Samba 4.21+) and against the password the DC itself keeps.

    AD_PASSWORD=... /usr/bin/python3 gmsa_blob_check.py < request.json

request: {"url", "user", "account", "expectedUtf16Base64"}: the identity reads the gMSA's
msDS-ManagedPassword over LDAP; expectedUtf16Base64 is the gMSA's current password as the DC's
`samba-tool user getpassword --attributes=virtualClearTextUTF16` shows it. Also decodes blobs
packed by Samba's NDR (with and without a previous password) and damaged ones. Prints one JSON
line of comparisons and error messages; never a password."""
import base64
import json
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "components", "scripts", "ad"))

import ldb  # noqa: E402
from samba.dcerpc import gmsa  # noqa: E402
from samba.ndr import ndr_pack, ndr_unpack  # noqa: E402

import managedpassword  # noqa: E402
from connection import ConnectOptions, connect  # noqa: E402


def password_units(count):
    """Random UTF-16 code units without a wide NUL, as the DC's PostProcessPasswordBuffer makes them."""
    units = [u or 1 for u in struct.unpack("<%dH" % count, os.urandom(2 * count))]
    return struct.pack("<%dH" % count, *units)


def packed(current, previous, query, unchanged):
    passwords = gmsa.MANAGEDPASSWORD_BLOB_PASSWORDS()
    passwords.current = current
    if previous is not None:
        passwords.previous = previous
    passwords.query_interval = query
    passwords.unchanged_interval = unchanged
    blob = gmsa.MANAGEDPASSWORD_BLOB()
    blob.passwords = passwords
    return ndr_pack(blob)


def same(mine, theirs):
    return {
        "current": mine.current == theirs.passwords.current,
        "previous": mine.previous == theirs.passwords.previous,
        "queryInterval": mine.query_interval == theirs.passwords.query_interval,
        "unchangedInterval": mine.unchanged_interval == theirs.passwords.unchanged_interval,
    }


def bad(blob):
    try:
        managedpassword.decode(blob)
        return None
    except managedpassword.BadBlob as e:
        return str(e)


def main():
    request = json.load(sys.stdin)
    out = {}
    directory = connect(ConnectOptions(request["url"], request["user"], os.environ["AD_PASSWORD"]))
    try:
        found = directory.search(directory.base_dn, ldb.SCOPE_SUBTREE, "(sAMAccountName=%s$)" % request["account"], ["msDS-ManagedPassword"])
        blob = bytes(found[0]["msDS-ManagedPassword"][0])
    finally:
        directory.close()
    mine, theirs = managedpassword.decode(blob), ndr_unpack(gmsa.MANAGEDPASSWORD_BLOB, blob)
    out["dc"] = same(mine, theirs)
    out["dc"]["matchesDcPassword"] = mine.current == base64.b64decode(request["expectedUtf16Base64"])
    out["dc"]["currentBytes"] = len(mine.current)
    out["dc"]["hasPrevious"] = mine.previous is not None
    out["dc"]["queryIntervalDays"] = mine.query_interval / 10_000_000 / 86400
    out["dc"]["queryMinusUnchangedSeconds"] = (mine.query_interval - mine.unchanged_interval) / 10_000_000

    with_previous = packed(password_units(128), password_units(128), 0x0123456789ABCDEF, 0x00FEDCBA98765432)
    without_previous = packed(password_units(128), None, 42, 7)
    out["ndrWithPrevious"] = same(managedpassword.decode(with_previous), ndr_unpack(gmsa.MANAGEDPASSWORD_BLOB, with_previous))
    out["ndrWithoutPrevious"] = same(managedpassword.decode(without_previous), ndr_unpack(gmsa.MANAGEDPASSWORD_BLOB, without_previous))
    out["ndrWithoutPrevious"]["previousIsNone"] = managedpassword.decode(without_previous).previous is None
    out["ndrOffsets"] = list(struct.unpack_from("<HHHH", with_previous, 8))

    out["damaged"] = {
        "version2": bad(b"\x02\x00" + with_previous[2:]),
        "lengthMismatch": bad(with_previous[:-1]),
        "shorterThanHeader": bad(with_previous[:10]),
        "currentOffsetOutside": bad(with_previous[:8] + struct.pack("<H", 0xFFF0) + with_previous[10:]),
        "noTerminator": bad(with_previous[:16] + b"\x41\x00" * ((len(with_previous) - 16) // 2)),
    }
    out["repr"] = repr(managedpassword.decode(with_previous))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
