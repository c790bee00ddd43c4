"""Creates a computer account with a known password, as a Windows node's domain join leaves it,
in a running test domain (through its sam.ldb, with system rights: the join already happened).

Run by test/support/samba.ts (createComputer) with /usr/bin/python3:

    /usr/bin/python3 samba_create_computer.py < request.json

The request (JSON on stdin): smbConf, name (NetBIOS computer name, 1-15 of A-Z a-z 0-9 -),
ouDn (the OU to create it in), password. Prints one JSON line: dn, samAccountName, dnsHostName, sid.
"""
import json
import re
import sys

import ldb
from samba.auth import system_session
from samba.dcerpc import security
from samba.dsdb import UF_WORKSTATION_TRUST_ACCOUNT
from samba.ndr import ndr_unpack
from samba.param import LoadParm
from samba.samdb import SamDB


def main():
    request = json.load(sys.stdin)
    name = request["name"]
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]{0,14}", name):
        sys.exit("name: %r is not a NetBIOS computer name (1-15 of A-Z a-z 0-9 -)" % name)
    lp = LoadParm(filename_for_non_global_lp=request["smbConf"])
    samdb = SamDB(url=lp.samdb_url(), session_info=system_session(), lp=lp)
    dns_host_name = "%s.%s" % (name, samdb.domain_dns_name())
    dn = "CN=%s,%s" % (name, request["ouDn"])
    samdb.transaction_start()
    try:
        # What a Windows join writes: a workstation trust account (primary group Domain
        # Computers), its DNS host name and the HOST/RestrictedKrbHost SPNs.
        samdb.add({
            "dn": dn,
            "objectClass": "computer",
            "sAMAccountName": name + "$",
            "userAccountControl": str(UF_WORKSTATION_TRUST_ACCOUNT),
            "dNSHostName": dns_host_name,
            "servicePrincipalName": [
                "HOST/%s" % name, "HOST/%s" % dns_host_name,
                "RestrictedKrbHost/%s" % name, "RestrictedKrbHost/%s" % dns_host_name,
            ],
        })
        samdb.setpassword("(distinguishedName=%s)" % ldb.binary_encode(dn), request["password"])
        res = samdb.search(base=dn, scope=ldb.SCOPE_BASE, attrs=["objectSid"])
    except BaseException:
        samdb.transaction_cancel()
        raise
    samdb.transaction_commit()
    print(json.dumps({
        "dn": dn,
        "samAccountName": name + "$",
        "dnsHostName": dns_host_name,
        "sid": str(ndr_unpack(security.dom_sid, res[0]["objectSid"][0])),
    }))


if __name__ == "__main__":
    main()
