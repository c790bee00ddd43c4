"""Who may retrieve a gMSA's password, and why not: the gMSA's msDS-GroupMSAMembership (a security
descriptor naming the allowed principals) against the bound identity's logon token (its SID and
tokenGroups), so that a refusal names what is wrong: the identity is not in the readers' group, or
the gMSA does not allow that group.

The DC decides with an access check for "read property" on that descriptor ([MS-ADTS] 3.1.1.4.4;
Samba: source4/dsdb/gmsa/util.c); this module repeats it only to explain, and then reads
msDS-ManagedPassword, which is the real test."""

import ldb
from samba.dcerpc import security
from samba.ndr import ndr_unpack

from accounts import UF_ACCOUNTDISABLE, gmsa_spns, password_readers
from connection import AdError


class Identity:
    def __init__(self, user, name, sid, token):
        self.user, self.name, self.sid, self.token = user, name, sid, token

    @property
    def is_computer(self):
        return self.name.endswith("$")


class Gmsa:
    def __init__(self, name, sam_name, dn, spns, dns_host_name, membership):
        self.name, self.sam_name, self.dn = name, sam_name, dn
        self.spns, self.dns_host_name, self.membership = spns, dns_host_name, membership


def _sid(value):
    return str(ndr_unpack(security.dom_sid, bytes(value)))


def identity(directory, options):
    """The bound identity and the SIDs of its logon token (the rootDSE's tokenGroups of this connection)."""
    me = directory.find_account(options.name)
    if me is None:
        raise AdError("bind", "%s bound, but no account %s is found in %s" % (options.user, options.name, directory.dns_name),
                      "give --user as DOMAIN\\sAMAccountName")
    sid = directory.sid_of(me)
    found = directory.search("", ldb.SCOPE_BASE, attrs=["tokenGroups"])
    token = {_sid(v) for v in (found[0].get("tokenGroups") or [])} if found else set()
    if not token:  # a DC that keeps the connection's token to itself: the account's own groups
        found = directory.search(str(me.dn), ldb.SCOPE_BASE, attrs=["tokenGroups"])
        token = {_sid(v) for v in (found[0].get("tokenGroups") or [])} if found else set()
    return Identity(options.user, options.name, sid, token | {sid})


def gmsa(directory, account):
    """The gMSA named account (without '$'), checked to be usable: else AdError('gmsa')."""
    sam_name = account + "$"
    msg = directory.find_account(sam_name, ["servicePrincipalName", "dNSHostName", "userAccountControl", "msDS-GroupMSAMembership"])
    domain = directory.dns_name
    create = "create it: npm run ad -- provision --account %s --group <readers' group>" % account
    if msg is None:
        raise AdError("gmsa", "there is no account %s in %s" % (sam_name, domain), create)
    classes = [str(c) for c in msg["objectClass"]]
    if "msDS-GroupManagedServiceAccount" not in classes:
        raise AdError("gmsa", "%s is a %s, not a group managed service account" % (sam_name, classes[-1]),
                      "give the name of a gMSA, or pick a name no other account uses")
    if int(str(msg.get("userAccountControl", idx=0) or 0)) & UF_ACCOUNTDISABLE:
        raise AdError("gmsa", "%s is disabled" % sam_name, "enable it: Set-ADServiceAccount %s -Enabled $true" % account)
    spns = [str(s) for s in msg.get("servicePrincipalName") or []]
    wanted = gmsa_spns(account, domain)
    missing = [w for w in wanted if w.lower() not in (s.lower() for s in spns)]
    if missing:
        raise AdError("gmsa", "%s lacks the SPN%s %s (it has: %s)" % (sam_name, "s" if len(missing) > 1 else "", ", ".join(missing), ", ".join(spns) or "none"),
                      "add them: setspn -S %s %s (or run npm run ad -- provision again)" % (missing[0], sam_name) if len(missing) == 1 else
                      "add them: Set-ADServiceAccount %s -ServicePrincipalNames @{Add='%s'} (or run npm run ad -- provision again)" % (account, "','".join(missing)))
    dns_host_name = str(msg.get("dNSHostName", idx=0) or "")
    if dns_host_name.lower() != ("%s.%s" % (account, domain)).lower():
        raise AdError("gmsa", "%s has dNSHostName %r, not %s.%s" % (sam_name, dns_host_name, account, domain),
                      "set it: Set-ADServiceAccount %s -DNSHostName %s.%s" % (account, account, domain))
    membership = msg.get("msDS-GroupMSAMembership", idx=0)
    return Gmsa(account, sam_name, str(msg.dn), wanted, dns_host_name, bytes(membership) if membership is not None else None)


def _name_of(directory, sid):
    found = directory.search(directory.base_dn, ldb.SCOPE_SUBTREE, "(objectSid=%s)" % ldb.binary_encode(sid), ["sAMAccountName"])
    return str(found[0]["sAMAccountName"][0]) if found and "sAMAccountName" in found[0] else sid


def _group(directory, group):
    msg = directory.find_account(group, ["groupType"])
    if msg is None or "group" not in [str(c) for c in msg["objectClass"]]:
        raise AdError("password", "there is no group %s in %s" % (group, directory.dns_name),
                      "create it: npm run ad -- provision --account <gMSA> --group %s" % group)
    return directory.sid_of(msg)


def may_retrieve(directory, who, account, group=None):
    """How `who` may retrieve the gMSA's password ("through <group>"), or AdError('password')
    naming what is wrong. With group, the identity must be in it and the gMSA must allow it:
    the group is what nodes and the portable identity rely on, so another route does not count."""
    if account.membership is None:
        return None  # the descriptor is not readable here: the DC's answer below decides
    allowed, denied = password_readers(account.membership)
    allowed_names = ", ".join(sorted(_name_of(directory, s) for s in allowed)) or "nobody"
    allow_group = ("allow it: Set-ADServiceAccount %s -PrincipalsAllowedToRetrieveManagedPassword %s "
                   "(or npm run ad -- provision --account %s --group %s)") % (account.name, group, account.name, group)
    join = ("add it: npm run ad -- node-join --group %s --computer %s, then renew the node's tickets (klist -li 0x3e7 purge, or a restart): "
            "a computer's groups are read at logon" % (group, who.name.rstrip("$"))) if who.is_computer else (
            "add it: Add-ADGroupMember %s %s" % (group, who.name))
    if who.token & denied:
        raise AdError("password", "%s's msDS-GroupMSAMembership denies %s" % (account.sam_name, ", ".join(_name_of(directory, s) for s in who.token & denied)),
                      "remove the deny entry: Set-ADServiceAccount %s -PrincipalsAllowedToRetrieveManagedPassword <the readers' group>" % account.name)
    if group is not None:
        group_sid = _group(directory, group)
        member, group_allowed = group_sid in who.token, group_sid in allowed
        if not member and not group_allowed:
            raise AdError("password", "%s is not in %s, and %s does not allow %s to retrieve its password (it allows: %s)" % (
                who.user, group, account.sam_name, group, allowed_names), "%s; and %s" % (join, allow_group))
        if not member:
            raise AdError("password", "%s is not a member of %s, the group %s allows to retrieve its password" % (who.user, group, account.sam_name), join)
        if not group_allowed:
            raise AdError("password", "%s is in %s, but %s does not allow %s to retrieve its password (it allows: %s)" % (
                who.user, group, account.sam_name, group, allowed_names), allow_group)
        return "through %s" % group
    routes = who.token & allowed
    if not routes:
        raise AdError("password", "none of the principals %s allows to retrieve its password (%s) is %s or a group it is in" % (
            account.sam_name, allowed_names, who.user), "add %s to one of them, or name the readers' group with --group to see which link is missing" % who.name)
    return "through %s" % ", ".join(sorted(_name_of(directory, s) for s in routes))


def read_managed_password(directory, who, account, route):
    """The raw msDS-ManagedPassword the DC returns to this identity (the DC's own access check)."""
    found = directory.search(account.dn, ldb.SCOPE_BASE, attrs=["msDS-ManagedPassword"])
    if found and "msDS-ManagedPassword" in found[0]:
        return bytes(found[0]["msDS-ManagedPassword"][0])
    if route is None:
        raise AdError("password", "the DC did not return %s's password to %s" % (account.sam_name, who.user),
                      "%s must be in a group named in the gMSA's PrincipalsAllowedToRetrieveManagedPassword "
                      "(Get-ADServiceAccount %s -Properties PrincipalsAllowedToRetrieveManagedPassword)" % (who.name, account.name))
    raise AdError("password", "the DC did not return %s's password to %s although it allows it %s" % (account.sam_name, who.user, route),
                  "the domain needs a KDS root key (Add-KdsRootKey) and functional level 2012 or later, and the connection must be "
                  "sealed or over TLS; on Windows a new KDS root key is usable only 10 hours after it was made")
