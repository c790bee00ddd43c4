"""The msDS-ManagedPassword value: MSDS-MANAGEDPASSWORD_BLOB of [MS-ADTS] 2.2.19, decoded here from
the specification rather than with samba.dcerpc.gmsa, which Samba 4.19 (Ubuntu 24.04's) lacks.

  offset 0  Version u16 (must be 1)            2  Reserved u16 (must be 0)
         4  Length u32 (the whole blob)
         8  CurrentPasswordOffset u16          10 PreviousPasswordOffset u16 (0: none)
        12  QueryPasswordIntervalOffset u16    14 UnchangedPasswordIntervalOffset u16
  then the passwords (UTF-16LE, each ending in a wide NUL), padding, and the two intervals
  (u64, 100-nanosecond units: until the password may next be queried / stays unchanged).

All integers are little-endian; fields are found through their offsets only (Windows does not align
the intervals on 8 bytes as the text says). Passwords stay bytes: random, not always valid UTF-16."""

import struct

HEADER = struct.Struct("<HHIHHHH")


class BadBlob(ValueError):
    """The value is not an MSDS-MANAGEDPASSWORD_BLOB; the message never quotes its bytes."""


class ManagedPassword:
    def __init__(self, current, previous, query_interval, unchanged_interval):
        self.current, self.previous = current, previous
        self.query_interval, self.unchanged_interval = query_interval, unchanged_interval

    def __repr__(self):
        # Never the passwords themselves, should an object end up in a message or a traceback.
        return "<ManagedPassword current=%d bytes previous=%s>" % (
            len(self.current), "none" if self.previous is None else "%d bytes" % len(self.previous))

    @staticmethod
    def seconds(interval):
        return interval / 10_000_000


def _utf16_until_nul(blob, start, limit):
    """The UTF-16LE code units from start up to (not including) the first wide NUL before limit."""
    for at in range(start, limit - 1, 2):
        if blob[at] == 0 and blob[at + 1] == 0:
            return blob[start:at]
    raise BadBlob("a password has no terminating NUL within the blob")


def _interval(blob, offset, what):
    if offset < HEADER.size or offset + 8 > len(blob):
        raise BadBlob("%s offset %d lies outside the blob" % (what, offset))
    return struct.unpack_from("<Q", blob, offset)[0]


def decode(blob):
    blob = bytes(blob)
    if len(blob) < HEADER.size:
        raise BadBlob("the blob is %d bytes, shorter than its header" % len(blob))
    version, reserved, length, current_at, previous_at, query_at, unchanged_at = HEADER.unpack_from(blob)
    if version != 1 or reserved != 0:
        raise BadBlob("version %d, reserved %d: not a version 1 blob" % (version, reserved))
    if length != len(blob):
        raise BadBlob("the blob says it is %d bytes but is %d" % (length, len(blob)))
    # Each password ends before whichever field follows it.
    fields = sorted(o for o in (current_at, previous_at, query_at, unchanged_at, length) if o)

    def password(offset, what):
        if offset < HEADER.size or offset >= length:
            raise BadBlob("%s offset %d lies outside the blob" % (what, offset))
        limit = next(o for o in fields if o > offset)
        value = _utf16_until_nul(blob, offset, limit)
        if not value:
            raise BadBlob("the %s is empty" % what)
        return value

    current = password(current_at, "current password")
    previous = password(previous_at, "previous password") if previous_at else None
    return ManagedPassword(current, previous, _interval(blob, query_at, "QueryPasswordInterval"),
                           _interval(blob, unchanged_at, "UnchangedPasswordInterval"))
