"""The domain-joined node lifecycle: a new node's computer account joins the readers' group (so the
node may read the gMSA passwords), and a removed node's account is deleted, but only when it is
plainly one of these nodes: a computer account (not a DC, not a gMSA, nothing critical) in the
readers' group and, with join_ou, inside that OU. Also the probe computer account that checks the
chain the way a joined node reads the password."""

import datetime
import hashlib
import re
import time

import ldb
from samba.dsdb import DS_GUID_COMPUTERS_CONTAINER

import accounts
from connection import AdError


def _group(directory, group, link):
    found = accounts.lookup(directory, group)
    if found is None:
        raise AdError(link, "the readers' group %s does not exist" % group, "run provision first (it creates the group)")
    return accounts.check_group(found, group, link, "name eks-gmsa's readers' group")


def binding(owner, instance_id):
    """What node-join writes into a node's computer account's description: it belongs to this EC2
    instance of this cluster, so at scale-in nothing the node reported decides what is deleted. Not
    an owner mark (accounts.mark): eks-gmsa did not create a bound node."""
    return "eks-gmsa-owner: %s; node: %s" % (owner, instance_id)


def _node_computer(directory, computer, link, join_ou):
    """The plain computer account of a node, or AdError saying why it is not one."""
    found = accounts.lookup(directory, computer + "$", ["description"])
    if found is None:
        return None
    if found.kind != "computer":
        raise AdError(link, "%s$ is %s, not a node's computer account; left alone" % (computer, accounts.describe_kind(found.kind)), "check the node's computer name")
    why = found.protected()
    if why:
        raise AdError(link, "%s$ %s; left alone" % (computer, why), "check the node's computer name")
    if not found.uac & accounts.UF_WORKSTATION_TRUST_ACCOUNT:
        raise AdError(link, "%s$ is not a workstation account (userAccountControl %d); left alone" % (computer, found.uac), "check the node's computer name")
    if join_ou and not accounts.is_below(directory, found.dn, join_ou):
        raise AdError(link, "%s$ lies outside the join OU %s (it is %s); left alone" % (computer, join_ou, found.dn),
                      "nodes join into the join OU; an account elsewhere is not one of them")
    return found


def parse_time(what, value):
    """An ISO 8601 time with a zone (2026-05-01T12:00:00Z) -> aware datetime; ValueError naming `what`."""
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise ValueError("%s %r must be an ISO 8601 time with a zone, such as 2026-05-01T12:00:00Z" % (what, value))
    return parsed


def join(directory, group, computer, join_ou=None, created_after=None, bind_to=None, wait_seconds=0):
    """Adds the node's computer account to the readers' group; with created_after (ISO time, the
    instance's launch), refuses an account created before it: an older account of the same name
    is not this node's. With bind_to (binding()), the account must be unbound or bound to this
    instance, and is bound to it: a node that names a sibling's account is refused."""
    found_group = _group(directory, group, "node-join")
    node = _node_computer(directory, computer, "node-join", join_ou)
    # The node joined through whichever DC the join chose; within a site replication starts about
    # 15 seconds after a change, so the account may reach this run's DC a little later.
    deadline = time.monotonic() + wait_seconds
    while node is None and time.monotonic() < deadline:
        time.sleep(min(15, max(0.0, deadline - time.monotonic())))
        node = _node_computer(directory, computer, "node-join", join_ou)
    if node is None:
        raise AdError("node-join", "no computer account %s$ exists on %s%s" % (computer, directory.dc_host_name, " after %ds" % wait_seconds if wait_seconds else ""),
                      "the node joins the domain before this runs; check that its join succeeded and that the domain controllers replicate")
    if created_after is not None:
        launched = parse_time("created_after", created_after) if isinstance(created_after, str) else created_after
        created = node.created()
        if created is None or created < launched - datetime.timedelta(minutes=5):
            raise AdError("node-join", "%s$ was created %s, before the node launched (%s): it is not this node's account; left alone"
                          % (computer, created.isoformat() if created else "at an unknown time", launched.isoformat()),
                          "delete the stale account of that name, then let the node join again")
    changes = []
    if bind_to is not None:
        bound = node.value("description")
        if bound is not None and bound != bind_to:
            raise AdError("node-join", "%s$ belongs to another node (its description says %r, this node is %r); left alone" % (computer, bound, bind_to),
                          "a node reported another node's computer name: check that node; the launch is abandoned")
        if bound is None:
            accounts.Writer(directory, "node-join").modify("bind computer %s$ to its instance" % computer, node.dn,
                                                     {"description": (ldb.FLAG_MOD_REPLACE, [bind_to])})
            changes.append("bound computer %s$ to %s" % (computer, bind_to.split("node: ")[-1]))
    if accounts.is_member(directory, found_group, node.dn):
        return changes
    accounts.Writer(directory, "node-join").add_member(found_group, node.dn, "computer %s$" % computer)
    return changes + ["added computer %s$ to %s" % (computer, group)]


def cleanup(directory, group, computer, join_ou=None, found_group=None):
    """Deletes a removed node's computer account if it is one of eks-gmsa's nodes (see the module)."""
    found_group = found_group or _group(directory, group, "node-cleanup")
    node = _node_computer(directory, computer, "node-cleanup", join_ou)
    if node is None:
        return []
    if not accounts.is_member(directory, found_group, node.dn):
        raise AdError("node-cleanup", "%s$ is not a member of %s, so it is not one of this cluster's nodes; left alone" % (computer, group),
                      "delete it yourself if it is a stale node account")
    accounts.Writer(directory, "node-cleanup").delete("delete computer %s$" % computer, node.dn, subtree=True)
    return ["deleted computer %s$ (%s)" % (computer, node.dn)]


def cleanup_bound(directory, group, bind_to, join_ou=None):
    """Deletes the computer accounts node-join bound to this instance (found by the binding, never
    by a name), each only if it passes cleanup's checks; none found: nothing to delete."""
    found_group = _group(directory, group, "node-cleanup")
    base = join_ou or directory.base_dn
    bound = directory.search(base, ldb.SCOPE_SUBTREE, "(&(objectClass=computer)(description=%s))" % ldb.binary_encode(bind_to), ["sAMAccountName"])
    changes = []
    for msg in bound:
        computer = str(msg["sAMAccountName"][0]).rstrip("$")
        changes += cleanup(directory, group, computer, join_ou=join_ou, found_group=found_group)
    return changes


def probe_name(owner):
    """A computer name for the chain probe, unique per owner and at most 15 characters."""
    stem = re.sub(r"[^a-z0-9]", "", owner.lower())[:7] or "owner"
    return "gv-%s-%s" % (stem, hashlib.sha256(owner.encode("utf-8")).hexdigest()[:4])


def ensure_probe(directory, group, owner, ou=None):
    """Creates (or takes back) eks-gmsa's probe computer account in the readers' group with a new
    random password; returns (sAMAccountName, password, change lines). Never resets an account
    eks-gmsa did not create."""
    name = probe_name(owner)
    password = accounts.random_password()
    found_group = _group(directory, group, "probe")
    writer = accounts.Writer(directory, "probe")
    changes = []
    probe = accounts.lookup(directory, name + "$")
    if probe is None:
        place = ou or accounts.well_known_container(directory, DS_GUID_COMPUTERS_CONTAINER, "CN=Computers")
        dn = accounts.child_dn(directory, place, name)
        writer.add("create the probe computer %s$" % name, dn, {
            "objectClass": "computer", "sAMAccountName": name + "$", "userAccountControl": str(accounts.UF_WORKSTATION_TRUST_ACCOUNT | accounts.UF_ACCOUNTDISABLE),
            "dNSHostName": "%s.%s" % (name, directory.dns_name), "description": accounts.mark(owner),
            "info": "eks-gmsa checks the gMSA chain as this computer, the way a domain-joined node does",
        })
        changes.append("created the probe computer %s$ (%s)" % (name, dn))
        probe = accounts.lookup(directory, name + "$")
    elif probe.kind != "computer" or probe.protected() or not probe.owned_by(owner):
        raise AdError("probe", "%s$ exists and is not eks-gmsa's probe computer (owner %s); its password is left alone" % (name, owner),
                      "rename or delete that account, or check without the probe (verify=false)")
    writer.set_password("set the password of the probe computer %s$" % name, probe.dn, password)
    if probe.uac & accounts.UF_ACCOUNTDISABLE:
        writer.modify("enable the probe computer %s$" % name, probe.dn, {"userAccountControl": (ldb.FLAG_MOD_REPLACE, [str(accounts.UF_WORKSTATION_TRUST_ACCOUNT)])})
    if not accounts.is_member(directory, found_group, probe.dn):
        writer.add_member(found_group, probe.dn, "the probe computer %s$" % name)
        changes.append("added the probe computer %s$ to %s" % (name, group))
    return name + "$", password, changes
