"""gMSA operations for tests, as a given domain user over LDAP with SASL (NTLM, signed and sealed:
the encrypted connection Samba requires before it returns msDS-ManagedPassword).

    /usr/bin/python3 gmsa_probe.py < request.json

Request (JSON on stdin; passwords never in argv): command, url ("ldap://127.x.y.z"), user
("DOMAIN\\name"), password, and for
- "create": name (sAMAccountName without "$"), container (DN), dnsHostName, readerSids
  (SIDs that may retrieve the password: msDS-GroupMSAMembership). Prints {dn, sid}.
- "read-password": account (sAMAccountName with "$"). Reads msDS-ManagedPassword, decodes it
  with samba.dcerpc.gmsa.MANAGEDPASSWORD_BLOB and logs on with it as the gMSA. Prints
  {readable: false} when the DC returns no password, else {readable: true, passwordBytes,
  tokenSids}: the SIDs of the logon the DC made with that password (the rootDSE's tokenGroups).
  Never prints the password.
"""
import json
import os
import sys

import ldb
from samba.credentials import DONT_USE_KERBEROS, Credentials
from samba.dcerpc import gmsa, security
from samba.dsdb import UF_WORKSTATION_TRUST_ACCOUNT
from samba.ndr import ndr_pack, ndr_unpack
from samba.param import LoadParm
from samba.samdb import SamDB

LP = LoadParm(filename_for_non_global_lp=os.devnull)


def connect(url, credentials):
    credentials.guess(LP)
    credentials.set_kerberos_state(DONT_USE_KERBEROS)
    return SamDB(url=url, credentials=credentials, lp=LP)


def user_credentials(user, password):
    creds = Credentials()
    creds.guess(LP)
    creds.parse_string(user)
    creds.set_password(password)
    return creds


def sid_of(samdb, dn):
    res = samdb.search(base=dn, scope=ldb.SCOPE_BASE, attrs=["objectSid"])
    return str(ndr_unpack(security.dom_sid, res[0]["objectSid"][0]))


def create(request):
    samdb = connect(request["url"], user_credentials(request["user"], request["password"]))
    dn = "CN=%s,%s" % (request["name"], request["container"])
    readers = "".join("(A;;RP;;;%s)" % sid for sid in request["readerSids"])
    membership = security.descriptor.from_sddl("O:SYD:" + readers, security.dom_sid(samdb.get_domain_sid()))
    samdb.add({
        "dn": dn,
        "objectClass": "msDS-GroupManagedServiceAccount",
        "sAMAccountName": request["name"] + "$",
        # Enabled workstation trust account, as New-ADServiceAccount makes it; without it Samba
        # creates the account disabled and nobody can log on with its password.
        "userAccountControl": str(UF_WORKSTATION_TRUST_ACCOUNT),
        "dNSHostName": request["dnsHostName"],
        "msDS-ManagedPasswordInterval": "30",
        "msDS-SupportedEncryptionTypes": "24",
        "msDS-GroupMSAMembership": ndr_pack(membership),
    })
    return {"dn": dn, "sid": sid_of(samdb, dn)}


def read_password(request):
    samdb = connect(request["url"], user_credentials(request["user"], request["password"]))
    res = samdb.search(base=samdb.domain_dn(), scope=ldb.SCOPE_SUBTREE,
                       expression="(sAMAccountName=%s)" % ldb.binary_encode(request["account"]),
                       attrs=["msDS-ManagedPassword", "objectSid"])
    if len(res) != 1:
        raise SystemExit("account: %s not found (or not visible to %s)" % (request["account"], request["user"]))
    if "msDS-ManagedPassword" not in res[0]:
        return {"readable": False}
    blob = ndr_unpack(gmsa.MANAGEDPASSWORD_BLOB, res[0]["msDS-ManagedPassword"][0])
    current = blob.passwords.current
    # Log on as the gMSA with that password: proof that it is the account's real password.
    gmsa_creds = Credentials()
    gmsa_creds.guess(LP)
    gmsa_creds.set_domain(request["user"].split("\\")[0])
    gmsa_creds.set_username(request["account"])
    gmsa_creds.set_utf16_password(current)
    as_gmsa = connect(request["url"], gmsa_creds)
    token = as_gmsa.search(base="", scope=ldb.SCOPE_BASE, attrs=["tokenGroups"])
    token_sids = [str(ndr_unpack(security.dom_sid, v)) for v in token[0]["tokenGroups"]]
    return {"readable": True, "passwordBytes": len(current), "tokenSids": token_sids}


def main():
    request = json.load(sys.stdin)
    commands = {"create": create, "read-password": read_password}
    if request.get("command") not in commands:
        raise SystemExit("command: must be one of %s" % ", ".join(sorted(commands)))
    print(json.dumps(commands[request["command"]](request)))


if __name__ == "__main__":
    main()
