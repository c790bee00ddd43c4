"""What provision, remove and the node lifecycle share: reading an account with what decides whether
eks-gmsa may touch it, the owner mark, and writes whose failures become one AdError.

An object is eks-gmsa's when its `description` is exactly `eks-gmsa-owner: <owner>` (not `info`,
which an account may write itself: docs/active-directory.md). A node's binding (nodes.binding) is
also in description, and is not a mark. Built-in
and critical objects are refused whatever their name: isCriticalSystemObject, a RID below 1000,
adminCount=1 (protected by AdminSDHolder) or a domain controller. That also covers renamed and
localized built-ins, which no list of names can."""

import datetime
import secrets

import ldb
from samba.dcerpc import security
from samba.ndr import ndr_pack, ndr_unpack

from connection import AdError

MARK_PREFIX = "eks-gmsa-owner: "

# userAccountControl bits (MS-ADTS 2.2.16).
UF_ACCOUNTDISABLE = 0x2
UF_NORMAL_ACCOUNT = 0x200
UF_WORKSTATION_TRUST_ACCOUNT = 0x1000
UF_SERVER_TRUST_ACCOUNT = 0x2000
UF_DONT_EXPIRE_PASSWD = 0x10000
UF_PARTIAL_SECRETS_ACCOUNT = 0x4000000
# groupType (MS-ADTS 2.2.12): a global security group.
GROUP_TYPE_SECURITY = 0x80000000
GLOBAL_SECURITY_GROUP = -2147483646
# Domain Controllers and Read-only Domain Controllers: a DC's primary group.
DC_PRIMARY_GROUPS = (516, 521)

_ATTRS = ["objectClass", "objectSid", "description", "isCriticalSystemObject", "adminCount", "userAccountControl",
          "primaryGroupID", "groupType", "whenCreated", "distinguishedName", "sAMAccountName"]


def random_password():
    """New for each use, never stored; upper, lower, digit and symbol so any complexity policy accepts it."""
    return "Pv1!" + secrets.token_urlsafe(30)


def mark(owner):
    return MARK_PREFIX + owner


class Account:
    """One directory object found by sAMAccountName, with the facts the safety rules read."""

    def __init__(self, directory, msg):
        self.msg = msg
        self.dn = str(msg.dn)
        self.name = str(msg["sAMAccountName"][0]) if "sAMAccountName" in msg else ""
        self.classes = {str(c).lower() for c in msg.get("objectClass", [])}
        self.sid = directory.sid_of(msg) if "objectSid" in msg else None
        self.uac = int(str(msg["userAccountControl"][0])) if "userAccountControl" in msg else 0
        self.description = [str(v) for v in msg.get("description", [])]

    @property
    def kind(self):
        """gmsa, computer, user, group or other (a gMSA is also a computer and a user)."""
        for kind, cls in (("gmsa", "msds-groupmanagedserviceaccount"), ("computer", "computer"), ("user", "user"), ("group", "group")):
            if cls in self.classes:
                return kind
        return "other"

    @property
    def rid(self):
        return int(self.sid.rsplit("-", 1)[1]) if self.sid else None

    def owned_by(self, owner):
        """Whether its description is this owner's mark, exactly (a binding or other text is not)."""
        return self.description == [mark(owner)]

    def value(self, attr):
        return str(self.msg[attr][0]) if attr in self.msg else None

    def is_security_group(self):
        return (int(self.value("groupType") or 0) & GROUP_TYPE_SECURITY) != 0

    def created(self):
        """whenCreated as an aware datetime (generalized time, e.g. 20261201164052.0Z)."""
        text = self.value("whenCreated")
        return datetime.datetime.strptime(text[:14], "%Y%m%d%H%M%S").replace(tzinfo=datetime.timezone.utc) if text else None

    def protected(self):
        """Why eks-gmsa must never act on this object, or None."""
        if (self.value("isCriticalSystemObject") or "").upper() == "TRUE":
            return "is critical to the system (isCriticalSystemObject)"
        if self.rid is not None and self.rid < 1000:
            return "is a built-in account (RID %d)" % self.rid
        if self.value("adminCount") == "1":
            return "is protected by AdminSDHolder (adminCount=1): it is or was in a privileged group"
        if self.uac & (UF_SERVER_TRUST_ACCOUNT | UF_PARTIAL_SECRETS_ACCOUNT) or int(self.value("primaryGroupID") or 0) in DC_PRIMARY_GROUPS:
            return "is a domain controller"
        return None


def lookup(directory, sam_account_name, attrs=()):
    """The Account with this sAMAccountName, or None; the name reaches the filter escaped."""
    msg = directory.find_account(sam_account_name, _ATTRS + list(attrs))
    return Account(directory, msg) if msg is not None else None


def describe_kind(kind):
    return {"gmsa": "a group managed service account", "computer": "a computer account", "user": "a user",
            "group": "a group", "other": "not an account"}[kind]


def check_group(group, name, link, todo=None):
    """The group named by --group, or AdError(link) when it is not a plain security group: another
    kind of object, a protected one, a distribution group. todo replaces the usual advice."""
    if group.kind != "group":
        why, advice = "is %s, not a group" % describe_kind(group.kind), "name a security group, or a new name for provision to create"
    elif group.protected():
        why, advice = group.protected(), "give eks-gmsa a group of its own"
    elif not group.is_security_group():
        why, advice = ("is a distribution group: only a security group can be allowed to read gMSA passwords",
                       "name a security group, or a new name for provision to create")
    else:
        return group
    raise AdError(link, "--group %s %s" % (name, why), todo or advice)


def gmsa_spns(account, dns_name):
    """The SPNs a gMSA needs (account without '$'): what provision writes and verify checks."""
    return ["host/%s" % account, "host/%s.%s" % (account, dns_name)]


def child_dn(directory, parent, cn):
    """CN=<cn>,<parent> with the value escaped by ldb (a name may hold '#', '+' or spaces)."""
    dn = ldb.Dn(directory.samdb, str(parent))
    rdn = ldb.Dn(directory.samdb, "CN=placeholder")
    rdn.set_component(0, "CN", cn)
    dn.add_child(rdn)
    return dn


def exists(directory, dn):
    return bool(directory.search(str(dn), ldb.SCOPE_BASE, attrs=["objectClass"]))


def is_below(directory, dn, ancestor):
    return ldb.Dn(directory.samdb, str(dn)).is_child_of(ldb.Dn(directory.samdb, str(ancestor)))


def well_known_container(directory, wkguid, fallback_cn):
    """The domain's well-known container (Users, Computers, Managed Service Accounts) by its GUID,
    so a renamed or redirected one is found; the default name when the lookup is not allowed."""
    try:
        return str(directory.samdb.get_wellknown_dn(ldb.Dn(directory.samdb, directory.base_dn), wkguid))
    except (ldb.LdbError, RuntimeError):
        return "%s,%s" % (fallback_cn, directory.base_dn)


# The mask Samba's own gMSA model writes (SEC_ADS_GENERIC_ALL); the DC grants the password to
# whoever passes SEC_ADS_READ_PROP on msDS-GroupMSAMembership.
READER_ACCESS_MASK = 0xf01ff
_ALLOW = (security.SEC_ACE_TYPE_ACCESS_ALLOWED, security.SEC_ACE_TYPE_ACCESS_ALLOWED_OBJECT)
_DENY = (security.SEC_ACE_TYPE_ACCESS_DENIED, security.SEC_ACE_TYPE_ACCESS_DENIED_OBJECT)


def readers_descriptor(directory, sids):
    """A new msDS-GroupMSAMembership allowing these SIDs to retrieve the password (owner Administrators)."""
    sddl = "O:BAD:" + "".join("(A;;0x%x;;;%s)" % (READER_ACCESS_MASK, sid) for sid in sids)
    return ndr_pack(security.descriptor.from_sddl(sddl, security.dom_sid(directory.samdb.get_domain_sid())))


def password_readers(value):
    """(allowed, denied): the SIDs an msDS-GroupMSAMembership value names in allow and in deny
    entries for reading the password, object entries included. Whoever reads it (provision,
    remove, verify) sees every principal an administrator named, not only eks-gmsa's plain ones."""
    allowed, denied = set(), set()
    descriptor = ndr_unpack(security.descriptor, bytes(value)) if value is not None else None
    for ace in (descriptor.dacl.aces if descriptor is not None and descriptor.dacl else []):
        if ace.access_mask & security.SEC_ADS_READ_PROP:
            if ace.type in _ALLOW:
                allowed.add(str(ace.trustee))
            elif ace.type in _DENY:
                denied.add(str(ace.trustee))
    return allowed, denied


def with_reader(directory, value, sid):
    """msDS-GroupMSAMembership allowing sid as well: an allow entry added after the existing ones,
    which all stay as they are (object entries, denies, their order); a new one when value is None."""
    if value is None:
        return readers_descriptor(directory, [sid])
    descriptor = ndr_unpack(security.descriptor, bytes(value))
    ace = security.ace()
    ace.type = security.SEC_ACE_TYPE_ACCESS_ALLOWED
    ace.access_mask = READER_ACCESS_MASK
    ace.trustee = security.dom_sid(sid)
    descriptor.dacl_add(ace)
    return ndr_pack(descriptor)


def is_member(directory, group, member_dn):
    """Whether member_dn is a direct member of the group, asked of the DC (no ranged member lists)."""
    found = directory.search(group.dn, ldb.SCOPE_BASE, "(member=%s)" % ldb.binary_encode(str(member_dn)), ["dn"])
    return bool(found)


# No KDS root key the DC can use: Samba 4.22 answers "8009000D: failed to find a suitable root key";
# 0x8009000D is NTE_NO_KEY, whose Windows text is "Key does not exist".
_NO_ROOT_KEY = ("8009000D", "KEY DOES NOT EXIST")


class Writer:
    """Writes to the directory; an LdbError becomes one AdError saying what was refused and why."""

    def __init__(self, directory, link):
        self.directory, self.link = directory, link

    def _run(self, action, dn, operation, secret=False):
        try:
            operation()
        except ldb.LdbError as e:
            raise self.explain(e, action, dn, secret)

    def explain(self, error, action, dn, secret=False):
        code, message = (error.args + (None, ""))[:2]
        message = str(message)
        if any(text in message.upper() for text in _NO_ROOT_KEY):
            return AdError("kds", "the forest has no KDS root key the DC can use yet, so it cannot %s" % action,
                           "a Domain Admin runs Add-KdsRootKey -EffectiveImmediately on a Windows DC and waits 10 hours for it to "
                           "become usable (Samba: samba-tool domain kds root-key create); AWS Managed Microsoft AD has one already")
        if code == ldb.ERR_INSUFFICIENT_ACCESS_RIGHTS:
            return AdError(self.link, "the connecting account may not %s (%s)" % (action, dn),
                           "use an account with that right, or a place it may write: AWS Managed Microsoft AD's Admin may manage "
                           "users, groups and computers only below OU=<NetBIOS name> and create gMSAs")
        if code == ldb.ERR_ENTRY_ALREADY_EXISTS:
            return AdError(self.link, "cannot %s: %s already exists (an object of another account name holds it)" % (action, dn),
                           "rename or remove that object, or choose another name")
        if code == ldb.ERR_NO_SUCH_OBJECT:
            return AdError(self.link, "cannot %s: its parent container does not exist (%s)" % (action, dn),
                           "create the OU first, or name an existing one")
        if secret:
            # A password the DC refuses: its policy (length, complexity, history). The server's
            # text is not repeated: nothing of a password request goes to the output.
            return AdError(self.link, "the domain refused the password while trying to %s (LDAP error %s)" % (action, code),
                           "give a password that meets the domain's password policy (length, complexity, history)")
        return AdError(self.link, "cannot %s (%s): %s" % (action, dn, message.strip()[:200]), "check the object and the connecting account's rights")

    def add(self, action, dn, attributes):
        record = dict(attributes)
        record["dn"] = dn
        self._run(action, dn, lambda: self.directory.samdb.add(record))

    def modify(self, action, dn, changes, secret=False):
        """changes: {attribute: (flag, values)} with flag one of ldb.FLAG_MOD_ADD/REPLACE/DELETE."""
        msg = ldb.Message()
        msg.dn = ldb.Dn(self.directory.samdb, str(dn))
        for attr, (flag, values) in changes.items():
            msg[attr] = ldb.MessageElement(values, flag, attr)
        self._run(action, dn, lambda: self.directory.samdb.modify(msg), secret)

    def set_password(self, action, dn, password):
        """unicodePwd replaced over the sealed connection (the DC refuses it on an unencrypted one)."""
        encoded = ('"%s"' % password).encode("utf-16-le")
        self.modify(action, dn, {"unicodePwd": (ldb.FLAG_MOD_REPLACE, [encoded])}, secret=True)

    def delete(self, action, dn, subtree=False):
        """subtree: with the objects below it (a joined Windows machine may hold some, e.g. BitLocker
        recovery information), through the tree-delete control."""
        controls = ["tree_delete:1"] if subtree else []
        self._run(action, dn, lambda: self.directory.samdb.delete(ldb.Dn(self.directory.samdb, str(dn)), controls))

    def add_member(self, group, member_dn, what):
        """Adds a direct member; True when it was added, False when it already was one."""
        try:
            self.modify("add %s to %s" % (what, group.name), group.dn, {"member": (ldb.FLAG_MOD_ADD, [str(member_dn)])})
        except AdError:
            if is_member(self.directory, group, member_dn):
                return False
            raise
        return True
