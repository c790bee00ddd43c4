"""Provision and remove what eks-gmsa needs in Active Directory: the readers' group (a global
security group), the gMSAs it may read, and in domainless mode the portable identity in that group.

Both first read everything they would touch and refuse before writing anything, so a refusal never
leaves half a change behind. Idempotent: a second provision prints nothing."""

import ldb
from samba.dsdb import DS_GUID_USERS_CONTAINER

import accounts
import nodes
from connection import AdError, bind, credentials

# AES128 | AES256 (MS-KILE 2.2.7 bits 0x8 and 0x10), no RC4: Microsoft is turning RC4 off by default
# for Kerberos service tickets (github.com/microsoft/Kerberos-Crypto/wiki/RC4-in-Kerberos: accounts
# "lack the AES bits (0x8 for AES128, 0x10 for AES256)" are the ones at risk). The CCG plugin and
# MIT Kerberos use AES; the gMSA's keys exist for every type, so adding RC4 later is one attribute.
SUPPORTED_ENCRYPTION_TYPES = 0x18
# The Managed Service Accounts container's well-known object GUID ([MS-ADTS] 6.1.1.4, Samba's
# libds/common/flags.h). samba.dsdb exports it from Samba 4.19 on; Debian bookworm's 4.17 lacks it.
DS_GUID_MANAGED_SERVICE_ACCOUNTS_CONTAINER = "1EB93889E40C45DF9F0C64D23BBB6237"
# Days between password changes; New-ADServiceAccount's default. It cannot change after creation.
MANAGED_PASSWORD_INTERVAL = 30


def _refuse(flag, name, why, todo):
    raise AdError("provision", "%s %s %s" % (flag, name, why), todo)


def _check_identity(user, name):
    if user.kind != "user":
        _refuse("--identity-user", name, "is %s, not a user" % accounts.describe_kind(user.kind),
                "name a user account, or a new name for provision to create")
    why = user.protected()
    if why:
        _refuse("--identity-user", name, why, "give eks-gmsa a user of its own")


def password_check(directory, name, password):
    """None when name@domain can bind with this password, else the AdError of the failed bind."""
    facts = directory.discover()
    creds = credentials(directory.lp, facts["netbiosName"], name, password, not directory.endpoint.is_address, realm=facts["dnsName"])
    try:
        bind(directory.endpoint, directory.lp, creds, name)
        return None
    except AdError as e:
        return e


def _gmsa_gaps(directory, gmsa, account, group_sid):
    """What an existing gMSA lacks for eks-gmsa, as (description, attribute, flag, values) tuples."""
    gaps = []
    dns_host = "%s.%s" % (account, directory.dns_name)
    if (gmsa.value("dNSHostName") or "").lower() != dns_host.lower():
        gaps.append(("its DNS host name %s" % dns_host, "dNSHostName", ldb.FLAG_MOD_REPLACE, [dns_host]))
    have = {str(s).lower() for s in gmsa.msg.get("servicePrincipalName", [])}
    missing = [s for s in accounts.gmsa_spns(account, directory.dns_name) if s.lower() not in have]
    if missing:
        gaps.append(("the SPNs %s" % ", ".join(missing), "servicePrincipalName", ldb.FLAG_MOD_ADD, missing))
    membership = gmsa.msg.get("msDS-GroupMSAMembership", idx=0)
    if group_sid is None or group_sid not in accounts.password_readers(membership)[0]:
        gaps.append(("the readers' group's right to read its password", "msDS-GroupMSAMembership", ldb.FLAG_MOD_REPLACE,
                     [accounts.with_reader(directory, membership, group_sid)] if group_sid else None))
    enctypes = int(gmsa.value("msDS-SupportedEncryptionTypes") or 0)
    if enctypes & SUPPORTED_ENCRYPTION_TYPES != SUPPORTED_ENCRYPTION_TYPES:
        gaps.append(("AES Kerberos keys (msDS-SupportedEncryptionTypes)", "msDS-SupportedEncryptionTypes", ldb.FLAG_MOD_REPLACE,
                     [str(enctypes | SUPPORTED_ENCRYPTION_TYPES)]))
    return gaps


_GMSA_ATTRS = ["dNSHostName", "servicePrincipalName", "msDS-GroupMSAMembership", "msDS-SupportedEncryptionTypes"]


def provision(directory, gmsa_names, group, owner, identity=None, accounts_ou=None, other=None):
    """Creates what is missing and corrects what eks-gmsa owns; returns the change lines. other: the
    pair's user the secret does not name, created if missing; its password (pods may use it) is kept."""
    place = accounts_ou or accounts.well_known_container(directory, DS_GUID_USERS_CONTAINER, "CN=Users")
    # Read and refuse first.
    found_group = accounts.lookup(directory, group)
    if found_group:
        accounts.check_group(found_group, group, "provision")
    user = accounts.lookup(directory, identity[0]) if identity else None
    other_user = accounts.lookup(directory, other) if other else None
    if other_user:
        _check_identity(other_user, other)
        if not other_user.owned_by(owner):
            _refuse("the rotation's other user", other, "exists and was not created by eks-gmsa (owner %s)" % owner, "choose another alternateUsername")
    if (not found_group or (identity and not user) or (other and not other_user)) and not accounts.exists(directory, place):
        raise AdError("provision", "the OU %s for the readers' group and the identity does not exist" % place, "create it, or pass an existing OU with --ou")
    if identity:
        name, password = identity
        if user:
            _check_identity(user, name)
            if not user.owned_by(owner):
                failure = password_check(directory, name, password)
                if failure:
                    _refuse("--identity-user", name, "exists and was not created by eks-gmsa (owner %s), and the password given does not log it on (%s); "
                            "eks-gmsa never resets the password of an account it did not create" % (owner, failure.why),
                            "give its current password, or choose a name eks-gmsa may create, or adopt it by setting its description to '%s'" % accounts.mark(owner))
    group_sid = found_group.sid if found_group else None
    gmsas = []
    for account in gmsa_names:
        gmsa = accounts.lookup(directory, account + "$", _GMSA_ATTRS)
        if gmsa:
            if gmsa.kind != "gmsa":
                _refuse("--account", account, "names %s (%s$), not a gMSA" % (accounts.describe_kind(gmsa.kind), account), "choose another gMSA name")
            why = gmsa.protected()
            if why:
                _refuse("--account", account, why, "choose another gMSA name")
            if not gmsa.owned_by(owner):
                gaps = _gmsa_gaps(directory, gmsa, account, group_sid)
                if gaps:
                    _refuse("--account", account, "exists and was not created by eks-gmsa (owner %s), so it is left unchanged; it lacks %s"
                            % (owner, "; ".join(g[0] for g in gaps)),
                            "fix it yourself, or adopt it by setting its description to '%s' and provision again" % accounts.mark(owner))
        gmsas.append((account, gmsa))

    # Then write.
    changes = []
    writer = accounts.Writer(directory, "provision")
    if not found_group:
        dn = accounts.child_dn(directory, place, group)
        writer.add("create group %s" % group, dn, {"objectClass": "group", "sAMAccountName": group, "groupType": str(accounts.GLOBAL_SECURITY_GROUP),
                                                    "description": accounts.mark(owner), "info": "Reads the gMSA passwords of eks-gmsa (%s)" % owner})
        changes.append("created group %s (%s)" % (group, dn))
        found_group = accounts.lookup(directory, group)
    if identity:
        changes += _identity(directory, writer, user, identity, found_group, owner, place)
    if other:
        changes += _identity(directory, writer, other_user, (other, accounts.random_password()), found_group, owner, place, keep_password=True)
    msa_container = accounts.well_known_container(directory, DS_GUID_MANAGED_SERVICE_ACCOUNTS_CONTAINER, "CN=Managed Service Accounts")
    for account, gmsa in gmsas:
        changes += _gmsa(directory, writer, account, gmsa, found_group, owner, msa_container)
    return changes


def _identity(directory, writer, user, identity, group, owner, place, keep_password=False):
    """keep_password: an existing user's password is not checked (nor reset), only a new user gets it."""
    name, password = identity
    changes = []
    if user is None:
        # Created disabled, given its password, then enabled: an enabled account needs a password.
        dn = accounts.child_dn(directory, place, name)
        writer.add("create user %s" % name, dn, {"objectClass": "user", "sAMAccountName": name, "userPrincipalName": "%s@%s" % (name, directory.dns_name),
                                                  "userAccountControl": str(accounts.UF_NORMAL_ACCOUNT | accounts.UF_ACCOUNTDISABLE), "description": accounts.mark(owner)})
        writer.set_password("set the password of user %s" % name, dn, password)
        changes.append("created user %s (%s)%s" % (name, dn, _enable(writer, name, dn)))
        user = accounts.lookup(directory, name)
    elif user.owned_by(owner) and not keep_password:
        failure = password_check(directory, name, password)
        if failure:
            writer.set_password("reset the password of user %s" % name, user.dn, password)
            changes.append("reset the password of user %s: the one given did not log it on (%s)" % (name, failure.why))
            # A reset does not unlock: a locked-out identity would go on failing every logon.
            if int(accounts.lookup(directory, name, ("lockoutTime",)).value("lockoutTime") or 0):
                writer.modify("unlock user %s" % name, user.dn, {"lockoutTime": (ldb.FLAG_MOD_REPLACE, ["0"])})
                changes.append("unlocked user %s" % name)
            if user.uac & accounts.UF_ACCOUNTDISABLE:
                changes.append("enabled user %s%s" % (name, _enable(writer, name, user.dn)))
    if not accounts.is_member(directory, group, user.dn):
        writer.add_member(group, user.dn, "user %s" % name)
        changes.append("added user %s to %s" % (name, group.name))
    return changes


def _enable(writer, name, dn):
    """Enables the account with a password that never expires (the CCG plugin cannot change it);
    falls back to the domain's expiry when the Unexpire-Password right on the domain is missing."""
    try:
        writer.modify("enable user %s" % name, dn, {"userAccountControl": (ldb.FLAG_MOD_REPLACE, [str(accounts.UF_NORMAL_ACCOUNT | accounts.UF_DONT_EXPIRE_PASSWD)])})
        return ""
    except AdError:
        writer.modify("enable user %s" % name, dn, {"userAccountControl": (ldb.FLAG_MOD_REPLACE, [str(accounts.UF_NORMAL_ACCOUNT)])})
        return "; its password expires by the domain's policy (the connecting account may not set 'password never expires'): rotate it in its secret before then"


def _gmsa(directory, writer, account, gmsa, group, owner, container):
    if gmsa is None:
        dn = accounts.child_dn(directory, container, account)
        writer.add("create gMSA %s$" % account, dn, {
            "objectClass": "msDS-GroupManagedServiceAccount",
            "sAMAccountName": account + "$",
            "userAccountControl": str(accounts.UF_WORKSTATION_TRUST_ACCOUNT),
            "dNSHostName": "%s.%s" % (account, directory.dns_name),
            "servicePrincipalName": accounts.gmsa_spns(account, directory.dns_name),
            "msDS-ManagedPasswordInterval": str(MANAGED_PASSWORD_INTERVAL),
            "msDS-GroupMSAMembership": accounts.readers_descriptor(directory, [group.sid]),
            "msDS-SupportedEncryptionTypes": str(SUPPORTED_ENCRYPTION_TYPES),
            "description": accounts.mark(owner),
        })
        return ["created gMSA %s$ (%s)" % (account, dn)]
    if not gmsa.owned_by(owner):
        return []
    changes = []
    for description, attr, flag, values in _gmsa_gaps(directory, gmsa, account, group.sid):
        writer.modify("give gMSA %s$ %s" % (account, description), gmsa.dn, {attr: (flag, values)})
        changes.append("gave gMSA %s$ %s" % (account, description))
    return changes


def remove(directory, account, group, owner, identity_user=None):
    """Deletes the gMSA, and the identity and the group when eks-gmsa made them and nothing else uses
    them; refuses, deleting nothing, when a named object is of the wrong kind or not eks-gmsa's."""
    gmsa = accounts.lookup(directory, account + "$")
    found_group = accounts.lookup(directory, group)
    user = accounts.lookup(directory, identity_user) if identity_user else None
    probe = accounts.lookup(directory, nodes.probe_name(owner) + "$")
    if probe is not None and (probe.kind != "computer" or probe.protected() or not probe.owned_by(owner)):
        probe = None  # not the probe eks-gmsa made: never named by the caller, so left alone, not refused
    refusals = []
    for flag, name, obj, kind in (("--account", account, gmsa, "gmsa"), ("--group", group, found_group, "group"), ("--identity-user", identity_user, user, "user")):
        if obj is None:
            continue
        if obj.kind != kind:
            refusals.append("%s %s is %s, not %s" % (flag, name, accounts.describe_kind(obj.kind), accounts.describe_kind(kind)))
        elif obj.protected():
            refusals.append("%s %s %s" % (flag, name, obj.protected()))
        elif kind != "group" and not obj.owned_by(owner):
            refusals.append("%s %s was not created by eks-gmsa (owner %s)" % (flag, name, owner))
    if refusals:
        raise AdError("remove", "; ".join(refusals) + "; nothing was deleted",
                      "check the names (and --owner); eks-gmsa deletes only what it created")

    changes = []
    writer = accounts.Writer(directory, "remove")
    if gmsa:
        writer.delete("delete gMSA %s$" % account, gmsa.dn)
        changes.append("deleted gMSA %s$" % account)
    keep_group, allowed_elsewhere = (None, False)
    if found_group:
        keep_group, allowed_elsewhere = _group_still_used(directory, found_group, owner, [x for x in (user, probe) if x is not None])
    if user and allowed_elsewhere:
        changes.append("kept user %s: it reads passwords through %s, which %s" % (identity_user, group, keep_group))
    elif user:
        writer.delete("delete user %s" % identity_user, user.dn)
        changes.append("deleted user %s" % identity_user)
    if found_group and keep_group:
        changes.append("kept group %s: %s" % (group, keep_group))
    elif found_group:
        if probe:
            writer.delete("delete the probe computer %s" % probe.name, probe.dn)
            changes.append("deleted the probe computer %s" % probe.name)
        writer.delete("delete group %s" % group, found_group.dn)
        changes.append("deleted group %s" % group)
    return changes


def _group_still_used(directory, group, owner, ours):
    """(why the group must stay, whether other gMSAs still allow it), or (None, False): another gMSA
    allows it, it is not eks-gmsa's, or it holds members eks-gmsa did not add (its own identity and
    probe computer excepted)."""
    users = []
    for msg in directory.search(directory.base_dn, ldb.SCOPE_SUBTREE, "(objectClass=msDS-GroupManagedServiceAccount)", ["sAMAccountName", "msDS-GroupMSAMembership"]):
        if group.sid in accounts.password_readers(msg.get("msDS-GroupMSAMembership", idx=0))[0]:
            users.append(str(msg["sAMAccountName"][0]))
    if users:
        one = len(users) == 1
        return "gMSA %s still allow%s it to read %s password%s" % (", ".join(sorted(users)), "s" if one else "", "its" if one else "their", "" if one else "s"), True
    if not group.owned_by(owner):
        return "eks-gmsa did not create it", False
    ours_dns = {x.dn.lower() for x in ours}
    members = directory.search(group.dn, ldb.SCOPE_BASE, attrs=["member"])
    others = [str(m) for m in (members[0].get("member", []) if members else []) if str(m).lower() not in ours_dns]
    if others:
        more = " and %d more" % (len(others) - 5) if len(others) > 5 else ""
        return "it has members eks-gmsa did not add: %s%s" % ("; ".join(others[:5]), more), False
    return None, False
