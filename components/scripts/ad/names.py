"""What names and places the AD code accepts: ASCII allow-lists, and the built-in and well-known
names it refuses to act on (well-known-names.json, shared with the TypeScript settings).

Every value that names an AD object is checked here before any connection is made, whether it came
from a flag, an environment variable or the management host's payload."""

import json
import os
import re

_HERE = os.path.dirname(os.path.abspath(__file__))

with open(os.path.join(_HERE, "well-known-names.json"), encoding="utf-8") as _f:
    _WELL_KNOWN = json.load(_f)

_RESERVED_GROUPS = {g.lower() for g in _WELL_KNOWN["groups"]}
_RESERVED_USERS = {u.lower() for u in _WELL_KNOWN["users"]}
_BUILT_IN_CONTAINERS = {c.lower() for c in _WELL_KNOWN["containers"]}


class BadName(ValueError):
    """A value that may not name an AD object here; str() says which argument and why."""


def _printable_ascii(what, value):
    for ch in value:
        if not 0x20 <= ord(ch) <= 0x7E:
            raise BadName("%s contains U+%04X: names of AD objects must be printable ASCII" % (what, ord(ch)))


def gmsa_name(what, value):
    """sAMAccountName of a gMSA without its '$': 1-15 letters, digits, '-', '_'."""
    if value.endswith("$"):
        raise BadName("%s must be given without the trailing '$'" % what)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,14}", value):
        raise BadName("%s %r must be 1 to 15 letters, digits, '-' or '_', starting with a letter or digit" % (what, value))
    _refuse_reserved_user(what, value)
    return value


def group_name(what, value):
    """sAMAccountName of the readers' group: 1-64 printable ASCII, none of AD's reserved characters, no built-in name."""
    _printable_ascii(what, value)
    if not 1 <= len(value) <= 64:
        raise BadName("%s must be 1 to 64 characters" % what)
    if re.search(r'["/\\\[\]:;|=,+*?<>@]', value) or value != value.strip() or value.endswith("."):
        raise BadName("%s %r must not contain any of \" / \\ [ ] : ; | = , + * ? < > @, nor start or end with a space or end with '.'" % (what, value))
    lowered = value.lower()
    if lowered in _RESERVED_GROUPS or any(lowered.startswith(p.lower()) for p in _WELL_KNOWN["groupPrefixes"]):
        raise BadName("%s %r is a built-in or well-known group; give eks-gmsa a group of its own" % (what, value))
    return value


def user_name(what, value):
    """sAMAccountName of the portable identity: 1-20 printable ASCII, no reserved characters, no built-in name."""
    _printable_ascii(what, value)
    if not 1 <= len(value) <= 20:
        raise BadName("%s must be 1 to 20 characters" % what)
    if re.search(r'["/\\\[\]:;|=,+*?<>@\s]', value) or value.endswith("."):
        raise BadName("%s %r must be a bare sAMAccountName: no spaces and none of \" / \\ [ ] : ; | = , + * ? < > @" % (what, value))
    _refuse_reserved_user(what, value)
    return value


def _refuse_reserved_user(what, value):
    lowered = value.lower()
    if lowered in _RESERVED_USERS or any(lowered.startswith(p.lower()) for p in _WELL_KNOWN["userPrefixes"]):
        raise BadName("%s %r is a built-in or well-known account; eks-gmsa never acts on it" % (what, value))


def computer_name(what, value):
    """NetBIOS name of a computer account: 1-15 letters, digits and '-', not all digits."""
    if not re.fullmatch(r"[A-Za-z0-9-]{1,15}", value) or value.isdigit():
        raise BadName("%s %r must be a computer name: 1 to 15 letters, digits or '-', not only digits" % (what, value))
    return value


def instance_id(what, value):
    """An EC2 instance ID, as the lifecycle event and EC2 give it (never as a node reports it)."""
    if not re.fullmatch(r"i-[0-9a-f]{8,17}", value or ""):
        raise BadName("%s %r must be an EC2 instance ID such as i-0123456789abcdef0" % (what, value))
    return value


def rotation_step(what, value):
    if value not in ("set", "test"):
        raise BadName("%s %r must be set or test" % (what, value))
    return value


def version_id(what, value):
    if not re.fullmatch(r"[A-Za-z0-9-]{32,64}", value):
        raise BadName("%s %r must be 32 to 64 letters, digits or '-'" % (what, value))
    return value


def owner_label(what, value):
    """The mark put on what eks-gmsa creates: the cluster's name or another short label."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", value):
        raise BadName("%s %r must be 1 to 100 letters, digits, '.', '_' or '-'" % (what, value))
    return value


_RDN = re.compile(r"(OU|CN|DC)=([^,=+\"\\<>;#]+)", re.IGNORECASE)


def container_dn(what, value, base_dn=None):
    """An OU or container DN inside the domain: OU=/CN= components then the DC= components, plain
    ASCII values without DN escapes (so the DN means exactly what it says). With base_dn, it must
    lie under it. Returns the DN with types upper-cased."""
    _printable_ascii(what, value)
    parts = [p.strip() for p in value.split(",")]
    rdns = []
    for part in parts:
        match = _RDN.fullmatch(part)
        if not match or match.group(2) != match.group(2).strip():
            raise BadName("%s %r: %r is not OU=<name>, CN=<name> or DC=<name> (no escapes, no special characters)" % (what, value, part))
        rdns.append((match.group(1).upper(), match.group(2)))
    first_dc = next((i for i, (t, _) in enumerate(rdns) if t == "DC"), len(rdns))
    if first_dc == 0 or first_dc == len(rdns) or any(t == "DC" for t, _ in rdns[:first_dc]) or any(t != "DC" for t, _ in rdns[first_dc:]):
        raise BadName("%s %r must be OU= or CN= components followed by the domain's DC= components" % (what, value))
    canonical = ",".join("%s=%s" % rdn for rdn in rdns)
    if base_dn is not None and not canonical.lower().endswith("," + base_dn.lower()):
        raise BadName("%s %r is not inside the domain %s" % (what, value, base_dn))
    top = "%s=%s" % rdns[first_dc - 1]
    if top.lower() in _BUILT_IN_CONTAINERS:
        raise BadName("%s %r is in %s, one of the domain's built-in containers, where eks-gmsa creates nothing; use an OU of the cluster's own" % (what, value, top))
    return canonical
