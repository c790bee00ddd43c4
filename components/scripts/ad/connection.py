"""Connections to a domain controller with Samba's LDAP client.

Every bind is SASL (Kerberos when the URL names a host, NTLM otherwise) with signing and sealing,
on ldap:// and ldaps:// alike: there is no simple bind in this code, so no password ever crosses
the wire, and DCs that require LDAP signing (new Windows Server 2025 DCs, AWS Managed AD without
LDAPS) accept it. Failures are AdError: the link of the chain that broke, why, and what to do."""

import contextlib
import ipaddress
import os
import re
import shutil
import socket
import tempfile
from urllib.parse import urlsplit

import ldb
import samba.param
from samba import Ldb as SambaLdb
from samba.credentials import AUTO_USE_KERBEROS, DONT_USE_KERBEROS, Credentials
from samba.param import LoadParm
from samba.samdb import SamDB


class AdError(Exception):
    """A failure a person can act on: which link broke, why, and what to do about it."""

    def __init__(self, link, why, todo=""):
        super().__init__(why)
        self.link, self.why, self.todo = link, why, todo

    def __str__(self):
        return "%s: %s%s" % (self.link, self.why, ("; " + self.todo) if self.todo else "")


class Endpoint:
    def __init__(self, scheme, host, port):
        self.scheme, self.host, self.port = scheme, host, port

    @property
    def is_address(self):
        try:
            ipaddress.ip_address(self.host)
            return True
        except ValueError:
            return False

    def url(self):
        host = "[%s]" % self.host if ":" in self.host else self.host
        return "%s://%s:%d" % (self.scheme, host, self.port)


def parse_url(url):
    """ldap://host[:port] or ldaps://host[:port]; raises ValueError naming --url."""
    parts = urlsplit(url)
    if parts.scheme not in ("ldap", "ldaps") or not parts.hostname or parts.path not in ("", "/") or parts.query or parts.username:
        raise ValueError("--url %r must be ldap://host[:port] or ldaps://host[:port]" % url)
    try:
        port = parts.port or (636 if parts.scheme == "ldaps" else 389)
    except ValueError:
        raise ValueError("--url %r has an invalid port" % url)
    return Endpoint(parts.scheme, parts.hostname, port)


def parse_user(user, bare=False):
    """DOMAIN\\name or name@domain -> (domain, name); with bare, also a name alone -> (None, name).
    Raises ValueError naming --user."""
    if bare and re.fullmatch(r"[^\\@\s]+", user or ""):
        return None, user
    match = re.fullmatch(r"([^\\@\s]+)\\([^\\@\s]+)|([^\\@\s]+)@([^\\@\s]+)", user or "")
    if not match:
        raise ValueError("--user %r must be DOMAIN\\name or name@domain" % user)
    return (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))


class ConnectOptions:
    def __init__(self, url, user, password, timeout=5.0, ca_file=None, insecure_tls=False):
        self.endpoint = parse_url(url)
        self.domain, self.name = parse_user(user)
        self.user, self.password, self.timeout = user, password, float(timeout)
        self.ca_file, self.insecure_tls = ca_file, insecure_tls


def reach(host, port, timeout, what="the domain controller"):
    """A TCP connection within the timeout, or AdError('reach'): a DC behind a firewall that drops
    packets would otherwise hold the LDAP client for minutes."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return
    except socket.timeout:
        why = "%s at %s:%d did not answer within %gs" % (what, host, port, timeout)
    except OSError as e:
        why = "%s at %s:%d cannot be reached (%s)" % (what, host, port, e.strerror or e)
    raise AdError("reach", why, "check that the address is a domain controller and that security groups and network ACLs let this host reach TCP %d" % port)


@contextlib.contextmanager
def quiet_stderr():
    """Samba's C libraries print their own diagnostics on fd 2; the caller reports AdError instead."""
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class Workspace:
    """A private temporary directory for smb.conf, krb5.conf and credential caches, removed on close."""

    def __init__(self):
        # Under the directory the command line made (and removes even if this process is killed).
        self.path = tempfile.mkdtemp(prefix="eks-gmsa-ad-", dir=os.environ.get("EKS_GMSA_AD_TMP") or None)
        os.chmod(self.path, 0o700)

    def file(self, name, text):
        full = os.path.join(self.path, name)
        with open(full, "w", encoding="utf-8") as f:
            f.write(text)
        return full

    def close(self):
        shutil.rmtree(self.path, ignore_errors=True)


def krb5_conf(workspace, realm, kdcs):
    """A krb5.conf naming this realm's KDCs explicitly (no DNS lookups, no other realm), exported
    through KRB5_CONFIG for Samba's and MIT's Kerberos libraries in this process and its children."""
    lines = ["[libdefaults]", "    default_realm = %s" % realm, "    dns_lookup_kdc = false", "    dns_lookup_realm = false",
             "    rdns = false", "    udp_preference_limit = 1", "", "[realms]", "    %s = {" % realm]
    lines += ["        kdc = %s" % k for k in kdcs] + ["    }", ""]
    path = workspace.file("krb5.conf", "\n".join(lines))
    os.environ["KRB5_CONFIG"] = path
    return path


# Debian's and Ubuntu's bundle of the CAs the system trusts (package ca-certificates).
SYSTEM_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def load_parm(workspace, options=None, realm=None, workgroup=None):
    """Samba settings from an empty smb.conf (never the host's), with sealing forced and TLS as asked."""
    lp = LoadParm()
    lp.load(workspace.file("smb.conf", "[global]\n"))
    lp.set("client ldap sasl wrapping", "seal")
    if realm:
        lp.set("realm", realm)
    if workgroup:
        lp.set("workgroup", workgroup)
    if options is not None and options.endpoint.scheme == "ldaps":
        if options.insecure_tls:
            lp.set("tls verify peer", "no_check")
        else:
            # The CA: --ca-file, else the system's bundle (one file: "tls trust system cas" exists
            # only from Samba 4.21). The default, as_strict_as_possible, also demands a CRL file;
            # ca_and_name checks the DC's name, but refuses an address in --url even with a
            # matching IP subjectAltName, where only the CA is checked (Samba 4.22 tls_tstream.c).
            lp.set("tls cafile", options.ca_file or SYSTEM_CA_BUNDLE)
            lp.set("tls verify peer", "ca_and_name_if_available" if options.endpoint.is_address else "ca_and_name")
    return lp


def credentials(lp, domain, name, password, kerberos, realm=None):
    """Credentials of name in domain (a NetBIOS name, or a DNS name that is then the realm too)
    from these values and lp alone. Not creds.guess(): it reads USER, PASSWD, PASSWD_FD,
    PASSWD_FILE and KRB5CCNAME from the environment (and prints when PASSWD_FILE is missing)."""
    if realm is None and "." in domain:
        realm, domain = domain, domain.split(".")[0]
    creds = Credentials()
    creds.set_conf(lp)  # the workstation name NTLM sends, from this run's own smb.conf
    creds.set_username(name)
    creds.set_domain(domain.upper())
    if realm:
        creds.set_realm(realm.upper())
    creds.set_password(password)
    creds.set_kerberos_state(AUTO_USE_KERBEROS if kerberos else DONT_USE_KERBEROS)
    return creds


def bind(endpoint, lp, creds, user):
    """A SamDB bound with creds (sealed: lp forces it), or the AdError of the failed bind."""
    try:
        with quiet_stderr():
            return SamDB(url=endpoint.url(), credentials=creds, lp=lp)
    except ldb.LdbError as e:
        raise explain_ldb_error(e, endpoint, user)


_BIND_CODES = {
    "52e": ("the user name or password was refused for %s", "check AD_PASSWORD and the account name"),
    "525": ("no account %s exists", "check the account name"),
    "530": ("%s may not log on at this time", "check the account's logon hours"),
    "531": ("%s may not log on from this host", "check the account's allowed workstations"),
    "532": ("the password of %s has expired", "set a new password"),
    "533": ("the account %s is disabled", "enable it"),
    "701": ("the account %s has expired", "extend its expiry date"),
    "773": ("%s must change its password at next logon", "set a password without that flag"),
    "775": ("the account %s is locked out", "unlock it, and check who tried a wrong password"),
}


def explain_ldb_error(error, endpoint, user):
    """ldb.LdbError -> AdError for a failed connection or bind."""
    code, message = (error.args + (None, ""))[:2]
    message = str(message)
    if code == ldb.ERR_INVALID_CREDENTIALS:
        data = re.search(r"data ([0-9a-f]{3})", message)
        why, todo = _BIND_CODES.get(data.group(1) if data else "52e", _BIND_CODES["52e"])
        return AdError("bind", why % user, todo)
    if "CONNECTION_REFUSED" in message:
        return AdError("reach", "%s refused the connection" % endpoint.url(), "check that it is a domain controller listening on port %d" % endpoint.port)
    # TCP reached the port already (reach()), so on ldaps:// a client-side failure is the TLS handshake:
    # Samba reports an untrusted or mismatched certificate as NT_STATUS_INVALID_PARAMETER.
    if endpoint.scheme == "ldaps" and ("TLS" in message.upper() or "CERT" in message.upper() or "LDAP client internal error" in message):
        return AdError("tls", "the TLS connection to %s failed (%s)" % (endpoint.url(), message.strip()[:200]),
                       "give the CA that signed the DC's certificate with --ca-file, or use ldap:// (sealed with Kerberos/NTLM)")
    if code == ldb.ERR_STRONG_AUTH_REQUIRED:
        return AdError("bind", "%s requires a stronger bind (%s)" % (endpoint.url(), message.strip()[:200]), "use ldaps:// or a DC that allows sealed SASL binds")
    return AdError("bind", "cannot bind to %s as %s (%s)" % (endpoint.url(), user, message.strip()[:200]), "check the URL, the account and the network path")


def require_ldap_client():
    """AdError unless Samba's LDAP backend for ldb (ildap, in samba-dsdb-modules, which python3-samba
    does not pull in) is installed: libldb2's OpenLDAP backend would bind anonymously instead."""
    where = os.path.join(samba.param.modules_dir(), "ldb")  # where samba.Ldb loads its modules from
    try:
        present = any(name.startswith("ildap.") for name in os.listdir(where))
    except OSError:
        present = False
    if not present:
        raise AdError("ldap client", "Samba's LDAP client module (ildap) is not in %s, so Samba's Python cannot bind with "
                      "Kerberos or NTLM" % where, "install samba-dsdb-modules (apt-get install samba-dsdb-modules)")


def root_dse(endpoint, lp, attrs=("defaultNamingContext", "dnsHostName", "currentTime", "configurationNamingContext", "rootDomainNamingContext")):
    """The DC's rootDSE, read anonymously (before any credential is sent)."""
    require_ldap_client()
    anonymous = Credentials()
    anonymous.set_anonymous()
    try:
        with quiet_stderr():
            db = SambaLdb(url=endpoint.url(), credentials=anonymous, lp=lp)
            found = db.search(base="", scope=ldb.SCOPE_BASE, attrs=list(attrs))
    except ldb.LdbError as e:
        raise explain_ldb_error(e, endpoint, "anonymous")
    if len(found) != 1 or "defaultNamingContext" not in found[0]:
        raise AdError("bind", "%s is not an Active Directory domain controller (its rootDSE has no defaultNamingContext)" % endpoint.url(), "point --url at a DC")
    return {k: str(found[0][k][0]) for k in attrs if k in found[0]}


def dn_to_dns_name(dn):
    return ".".join(v for t, v in (p.split("=", 1) for p in str(dn).split(",")) if t.strip().upper() == "DC").lower()


class Directory:
    """One bound, sealed connection to one DC: every read and write of a run goes to the same DC,
    so nothing waits for replication between them."""

    def __init__(self, samdb, endpoint, rootdse, workspace, lp):
        self.samdb, self.endpoint, self.workspace, self.lp = samdb, endpoint, workspace, lp
        self.base_dn = str(samdb.get_default_basedn())
        self.dns_name = dn_to_dns_name(self.base_dn)
        self.dc_host_name = rootdse.get("dnsHostName", endpoint.host)
        self.configuration_dn = rootdse.get("configurationNamingContext", "CN=Configuration," + self.base_dn)
        self.root_domain_dn = rootdse.get("rootDomainNamingContext", self.base_dn)

    def search(self, base, scope, expression=None, attrs=None, controls=None):
        try:
            return list(self.samdb.search(base=base, scope=scope, expression=expression, attrs=attrs or ["dn"], controls=controls or []))
        except ldb.LdbError as e:
            if e.args[0] == ldb.ERR_NO_SUCH_OBJECT:
                return []
            code, message = (e.args + (None, ""))[:2]
            raise AdError("ldap", "%s refused a search under %s (LDAP error %s: %s)" % (self.dc_host_name, base, code, str(message).strip()[:200]),
                          "check the account's read rights there, and the DC's health; run again")

    def find_account(self, sam_account_name, attrs=()):
        """The one object with this sAMAccountName anywhere in the domain, or None."""
        found = self.search(self.base_dn, ldb.SCOPE_SUBTREE, "(sAMAccountName=%s)" % ldb.binary_encode(sam_account_name),
                            ["objectSid", "objectClass", "distinguishedName"] + list(attrs))
        return found[0] if found else None

    def sid_of(self, msg):
        return str(self.samdb.schema_format_value("objectSid", msg["objectSid"][0]), "utf-8")

    def discover(self):
        """The facts every credential spec names."""
        domain = self.search(self.base_dn, ldb.SCOPE_BASE, attrs=["objectSid", "objectGUID"])[0]
        partitions = self.search("CN=Partitions," + self.configuration_dn, ldb.SCOPE_ONELEVEL,
                                 "(&(objectClass=crossRef)(nCName=%s))" % ldb.binary_encode(self.base_dn), ["nETBIOSName", "dnsRoot"])
        if not partitions or "nETBIOSName" not in partitions[0]:
            raise AdError("discover", "no NetBIOS name for %s under CN=Partitions" % self.base_dn)
        return {
            "dnsName": str(partitions[0].get("dnsRoot", idx=0) or self.dns_name).lower(),
            "forestName": dn_to_dns_name(self.root_domain_dn),
            "netbiosName": str(partitions[0]["nETBIOSName"][0]).upper(),
            "domainSid": self.sid_of(domain),
            "domainGuid": str(self.samdb.schema_format_value("objectGUID", domain["objectGUID"][0]), "utf-8").lower(),
        }

    def close(self):
        self.samdb = None
        self.workspace.close()


def connect(options, workspace=None):
    """Reach the DC, read its rootDSE anonymously, then bind as the user with SASL and sealing."""
    endpoint = options.endpoint
    reach(endpoint.host, endpoint.port, options.timeout)
    workspace = workspace or Workspace()
    try:
        lp = load_parm(workspace, options)
        rootdse = root_dse(endpoint, lp)
        realm = dn_to_dns_name(rootdse["defaultNamingContext"]).upper()
        kerberos = not endpoint.is_address
        if kerberos:
            krb5_conf(workspace, realm, [endpoint.host])
        creds = credentials(lp, options.domain, options.name, options.password, kerberos)
        return Directory(bind(endpoint, lp, creds, options.user), endpoint, rootdse, workspace, lp)
    except BaseException:
        workspace.close()
        raise
