"""Arranges and reads directory state for tests, independently of the code under test:

    /usr/bin/python3 ad_arrange.py < request.json   -> one JSON line

request {"command": ...}:
- "set-membership", smbConf, account (sAMAccountName), sddl: as the system (the DC's sam.ldb),
  replaces the account's msDS-GroupMSAMembership with that descriptor. Prints {}.
- "get-membership", smbConf, account: the account's msDS-GroupMSAMembership as SDDL ({"sddl"},
  null when it has none).
- "self-write", url, user (DOMAIN\\name), password, values ({attribute: value}): binds as that
  account over LDAP (NTLM, signed and sealed) and replaces each attribute of its own object, one
  modify each. Prints {attribute: "written" | "refused (LDAP error N)"}.
"""
import json
import os
import sys

import ldb
from samba.auth import system_session
from samba.credentials import DONT_USE_KERBEROS, Credentials
from samba.dcerpc import security
from samba.ndr import ndr_pack, ndr_unpack
from samba.param import LoadParm
from samba.samdb import SamDB


def system_db(request):
    lp = LoadParm(filename_for_non_global_lp=request["smbConf"])
    return SamDB(url=lp.samdb_url(), session_info=system_session(), lp=lp)


def find(samdb, name, attrs):
    found = samdb.search(samdb.domain_dn(), ldb.SCOPE_SUBTREE, "(sAMAccountName=%s)" % ldb.binary_encode(name), attrs)
    if len(found) != 1:
        sys.exit("no account %s" % name)
    return found[0]


def set_membership(request):
    samdb = system_db(request)
    msg = find(samdb, request["account"], ["dn"])
    descriptor = security.descriptor.from_sddl(request["sddl"], security.dom_sid(samdb.get_domain_sid()))
    change = ldb.Message(msg.dn)
    change["msDS-GroupMSAMembership"] = ldb.MessageElement(ndr_pack(descriptor), ldb.FLAG_MOD_REPLACE, "msDS-GroupMSAMembership")
    samdb.modify(change)
    return {}


def get_membership(request):
    samdb = system_db(request)
    msg = find(samdb, request["account"], ["msDS-GroupMSAMembership"])
    value = msg.get("msDS-GroupMSAMembership", idx=0)
    if value is None:
        return {"sddl": None}
    return {"sddl": ndr_unpack(security.descriptor, bytes(value)).as_sddl(security.dom_sid(samdb.get_domain_sid()))}


def self_write(request):
    lp = LoadParm(filename_for_non_global_lp=os.devnull)
    lp.set("client ldap sasl wrapping", "seal")
    creds = Credentials()
    creds.set_conf(lp)  # the workstation name NTLM sends; nothing from the environment
    domain, name = request["user"].split("\\", 1)
    creds.set_domain(domain)
    creds.set_username(name)
    creds.set_password(request["password"])
    creds.set_kerberos_state(DONT_USE_KERBEROS)
    samdb = SamDB(url=request["url"], credentials=creds, lp=lp)
    me = find(samdb, name, ["dn"])
    outcome = {}
    for attr, value in request["values"].items():
        change = ldb.Message(me.dn)
        change[attr] = ldb.MessageElement([value], ldb.FLAG_MOD_REPLACE, attr)
        try:
            samdb.modify(change)
            outcome[attr] = "written"
        except ldb.LdbError as e:
            outcome[attr] = "refused (LDAP error %d)" % e.args[0]
    return outcome


COMMANDS = {"set-membership": set_membership, "get-membership": get_membership, "self-write": self_write}

if __name__ == "__main__":
    request = json.load(sys.stdin)
    print(json.dumps(COMMANDS[request["command"]](request)))
