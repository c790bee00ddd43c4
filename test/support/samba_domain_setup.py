"""Prepares a freshly provisioned test domain, offline (samba not running yet), in one process.

Run by test/support/samba.ts with /usr/bin/python3 (the interpreter that has Samba's bindings):

    /usr/bin/python3 samba_domain_setup.py < request.json

The request (JSON on stdin, so that passwords never appear in a process list):
    smbConf                 the domain's smb.conf
    relaxPasswordPolicy     true: complexity, history and password ages off
    netbiosName             the NetBIOS domain name (the delegated OU's name)
    delegatedAdminPassword  the password of the delegated `Admin` (see samba_delegation.py)
Prints one JSON line: {"kdsRootKey": {"guid", "created", "useStartTime"}, "delegation": {...}}.
"""
import json
import sys

import ldb
from samba.auth import system_session
from samba.dcerpc.samr import DOMAIN_PASSWORD_COMPLEX
from samba.gkdi import KEY_CYCLE_DURATION, MAX_CLOCK_SKEW
from samba.netcmd.common import NEVER_TIMESTAMP
from samba.nt_time import nt_now
from samba.param import LoadParm
from samba.samdb import SamDB
from samba_delegation import model_aws_delegation


def open_samdb(smb_conf):
    lp = LoadParm(filename_for_non_global_lp=smb_conf)
    return SamDB(url=lp.samdb_url(), session_info=system_session(), lp=lp)


def relax_password_policy(samdb):
    """What `samba-tool domain passwordsettings set --complexity=off --history-length=0
    --min-pwd-age=0 --max-pwd-age=0` writes, without a second process."""
    dn = ldb.Dn(samdb, samdb.domain_dn())
    properties = int(samdb.search(base=dn, scope=ldb.SCOPE_BASE,
                                  attrs=["pwdProperties"])[0]["pwdProperties"][0])
    msg = ldb.Message(dn)
    values = {
        "pwdProperties": properties & ~DOMAIN_PASSWORD_COMPLEX,
        "pwdHistoryLength": 0,
        "minPwdAge": 0,
        "maxPwdAge": NEVER_TIMESTAMP,
    }
    for name, value in values.items():
        msg[name] = ldb.MessageElement(str(value), ldb.FLAG_MOD_REPLACE, name)
    samdb.modify(msg)


def ensure_kds_root_key(samdb):
    """A KDS root key usable now: gMSA passwords derive from it.

    `samba-tool domain provision` at functional level 2016 already adds one whose use starts
    KEY_CYCLE_DURATION + MAX_CLOCK_SKEW (10 h 5 min) in the past, so it is usable at once; a key
    made like Windows' Add-KdsRootKey without -EffectiveTime would wait 10 hours. One is created
    the same way only when none is there."""
    base = "CN=Master Root Keys,CN=Group Key Distribution Service,CN=Services,%s" % (
        samdb.get_config_basedn())
    attrs = ["msKds-UseStartTime"]
    keys = samdb.search(base=base, scope=ldb.SCOPE_ONELEVEL,
                        expression="(objectClass=msKds-ProvRootKey)", attrs=attrs)
    created = False
    if len(keys) == 0:
        now = nt_now()
        samdb.new_gkdi_root_key(current_time=now,
                                use_start_time=now - KEY_CYCLE_DURATION - MAX_CLOCK_SKEW)
        keys = samdb.search(base=base, scope=ldb.SCOPE_ONELEVEL,
                            expression="(objectClass=msKds-ProvRootKey)", attrs=attrs)
        created = True
    newest = max(keys, key=lambda k: int(k["msKds-UseStartTime"][0]))
    start = int(newest["msKds-UseStartTime"][0])
    if start > nt_now():
        raise RuntimeError("the newest KDS root key is not usable yet (use start time in the future)")
    return {"guid": str(newest.dn.get_rdn_value()), "created": created, "useStartTime": start}


def main():
    request = json.load(sys.stdin)
    samdb = open_samdb(request["smbConf"])
    samdb.transaction_start()
    try:
        if request.get("relaxPasswordPolicy"):
            relax_password_policy(samdb)
        root_key = ensure_kds_root_key(samdb)
        delegation = model_aws_delegation(samdb, request["netbiosName"],
                                          request["delegatedAdminPassword"])
    except BaseException:
        samdb.transaction_cancel()
        raise
    samdb.transaction_commit()
    print(json.dumps({"kdsRootKey": root_key, "delegation": delegation}))


if __name__ == "__main__":
    main()
