"""Kerberos and SMB as the gMSA, the way a Windows node uses the password it retrieved: a TGT from
the domain's KDC, a service ticket for the DC's file server, and a listing of SYSVOL over SMB.

The TGT comes from Samba's Credentials in this process (set_utf16_password: the password is random
UTF-16, not always valid Unicode), so the password never reaches a command line, a file or another
process; kvno and smbclient use the FILE: ticket cache in the caller's private workspace."""

import os
import re
import subprocess

from samba.credentials import MUST_USE_KERBEROS, Credentials

from connection import AdError, quiet_stderr

# MIT/Heimdal messages Samba passes on, and what each means for the person running verify.
_KINIT_ERRORS = [
    ("Preauthentication failed", "the KDC refused the password read from msDS-ManagedPassword",
     "the DC that served the password and the KDC disagree: wait for replication between DCs and run verify again"),
    ("revoked", "the KDC says the account is disabled or locked out",
     "enable the gMSA (Set-ADServiceAccount -Enabled $true)"),
    ("not found in Kerberos database", "the KDC does not know the account",
     "check that the gMSA exists in this domain and has replicated to every DC"),
    ("Clock skew", "the clocks of this host and the KDC differ by more than 5 minutes",
     "synchronise this host's clock (chrony/NTP) with the domain's time"),
    ("Cannot contact any KDC", "no KDC answered",
     "let this host reach TCP and UDP port 88 of the domain controllers"),
    ("Cannot find KDC", "no KDC is known for the realm",
     "check the realm and the DC address"),
]


def _explain(link, message, table, fallback_todo):
    for needle, why, todo in table:
        if needle.lower() in message.lower():
            return AdError(link, "%s (%s)" % (why, message), todo)
    return AdError(link, message, fallback_todo)


def tgt(workspace, lp, realm, netbios_name, account, utf16_password):
    """A TGT for account@realm in a FILE: cache in the workspace; returns the cache's path."""
    # No creds.guess(): nothing from the environment (USER, PASSWD, KRB5CCNAME) may stand in for
    # what is set here.
    creds = Credentials()
    creds.set_username(account)
    creds.set_domain(netbios_name)
    creds.set_realm(realm)
    creds.set_kerberos_state(MUST_USE_KERBEROS)
    if not creds.set_utf16_password(utf16_password):
        raise AdError("tgt", "Samba could not take the managed password as UTF-16", "report this: the password blob may be damaged")
    path = os.path.join(workspace.path, "ccache")
    try:
        with quiet_stderr():
            creds.get_named_ccache(lp, "FILE:" + path)
    except RuntimeError as e:
        # Samba's message names the principal and the KDC's error, never the password.
        message = " ".join(str(e).split())[:300]
        raise _explain("tgt", message, _KINIT_ERRORS, "check the KDC of %s" % realm)
    finally:
        creds = None
    if not os.path.exists(path):
        raise AdError("tgt", "Samba reported a TGT but wrote no ticket cache", "report this")
    return path


# AD_PASSWORD and the like; PASSWD* are read by Samba's own tools (smbclient) as a password.
_PASSWORD_VARIABLES = {"AD_PASSWORD", "AD_IDENTITY_PASSWORD", "PASSWD", "PASSWD_FD", "PASSWD_FILE"}


def _run(link, argv, ccache, timeout, install):
    # The tools need the ticket cache and krb5.conf, never a password: none is passed on.
    env = {k: v for k, v in os.environ.items() if k not in _PASSWORD_VARIABLES}
    env.update(KRB5CCNAME="FILE:" + ccache, LC_ALL="C")
    try:
        done = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError:
        raise AdError(link, "%s is not installed" % argv[0], "install %s" % install)
    except subprocess.TimeoutExpired:
        raise AdError(link, "%s did not finish within %gs" % (os.path.basename(argv[0]), timeout),
                      "check that this host reaches the DC's ports 88 and 445, or raise --timeout")
    return done.returncode, done.stdout, done.stderr


_KVNO_ERRORS = [
    ("Server not found in Kerberos database", "the KDC has no account with that service principal name",
     "the DC's computer account must carry HOST/<its DNS name> (cifs/ maps to it): check the DC's servicePrincipalName"),
    ("Clock skew", "the clocks of this host and the KDC differ by more than 5 minutes",
     "synchronise this host's clock (chrony/NTP) with the domain's time"),
    ("Cannot contact any KDC", "no KDC answered", "let this host reach TCP and UDP port 88 of the domain controllers"),
]


def service_ticket(ccache, spn, timeout):
    """A service ticket for spn with the TGT in ccache (MIT kvno); returns its key version."""
    code, out, err = _run("service ticket", ["kvno", "-c", ccache, spn], ccache, timeout, "krb5-user (MIT Kerberos tools)")
    if code != 0:
        message = " ".join((err or out).split())[:300] or "kvno exited with %d" % code
        raise _explain("service ticket", message, _KVNO_ERRORS, "check the DC's service principal names")
    match = re.search(r"kvno = (\d+)", out)
    return int(match.group(1)) if match else None


_SMB_ERRORS = [
    ("NT_STATUS_BAD_NETWORK_NAME", "the DC has no such share", "a domain controller serves SYSVOL: check that it finished its promotion (SYSVOL replication)"),
    ("NT_STATUS_LOGON_FAILURE", "the DC refused the gMSA's Kerberos ticket", "check the DC's time and its own computer account's keys"),
    ("NT_STATUS_ACCESS_DENIED", "the DC denied the gMSA access to the share", "Authenticated Users must be able to read SYSVOL; check the share's permissions"),
    ("NT_STATUS_CONNECTION_REFUSED", "nothing listens on TCP port 445", "let this host reach TCP 445 of the DC"),
    ("NT_STATUS_IO_TIMEOUT", "the DC did not answer on TCP port 445", "let this host reach TCP 445 of the DC"),
    ("suitable mechtype", "Kerberos could not be used for the SMB session", "check that the service ticket for cifs/<DC> can be obtained"),
]


def list_share(workspace, ccache, host, address, share, timeout):
    """Names in the root of \\\\host\\share over SMB with Kerberos only (smbclient, no password)."""
    conf = workspace.file("smbclient.conf", "[global]\n    client min protocol = SMB2\n")
    argv = ["smbclient", "//%s/%s" % (host, share), "-I", address, "-s", conf, "--use-kerberos=required",
            "--use-krb5-ccache=FILE:" + ccache, "-c", "ls"]
    code, out, err = _run("sysvol", argv, ccache, timeout, "smbclient")
    if code != 0:
        message = " ".join((out + " " + err).split())[:300] or "smbclient exited with %d" % code
        raise _explain("sysvol", message, _SMB_ERRORS, "check the DC's file service (TCP 445)")
    names = []
    for line in out.splitlines():
        match = re.match(r"^  (\S.*?)\s+[A-Z]+\s+\d+\s+\w{3} \w{3} +\d+ [\d:]+ \d{4}$", line)
        if match and match.group(1) not in (".", ".."):
            names.append(match.group(1))
    return names
