"""verify: the whole chain a Windows pod's gMSA depends on (the links: CHECKS below, each explained
in docs/active-directory.md), checked link by link as the identity that must retrieve the gMSA's
password (the CCG plugin's portable identity, or a domain-joined node's computer account), stopping
at the first broken link with why and what to do. The managed password lives in memory only;
tickets go to a private temporary directory removed before verify returns. Nothing printed or
returned carries a secret."""

import ipaddress
import os
import socket
import time
from datetime import datetime, timezone

import dnsquery
import kerberos
import managedpassword
import readers
from connection import AdError, Workspace, connect, dn_to_dns_name, krb5_conf, load_parm, reach, root_dse

KERBEROS_MAX_SKEW = 300  # seconds; MIT, Heimdal and Windows default to 5 minutes


class Link:
    def __init__(self, link, ok, detail, why=None, todo=None):
        self.link, self.ok, self.detail, self.why, self.todo = link, ok, detail, why, todo


class ChainResult:
    LINKS = ("dc", "dns", "clock", "bind", "gmsa", "password", "tgt", "service ticket", "sysvol")

    def __init__(self):
        self.links = []

    @property
    def ok(self):
        return len(self.links) == len(self.LINKS) and all(link.ok for link in self.links)

    @classmethod
    def link_lines(cls, link):
        """The printed line(s) of one link: for a caller that prints each link as it is checked."""
        width = max(len(name) for name in cls.LINKS)
        out = ["%-4s  %-*s  %s" % ("ok" if link.ok else "FAIL", width, link.link, link.detail)]
        if not link.ok and link.todo:
            out.append("%-4s  %-*s  what to do: %s" % ("", width, "", link.todo))
        return out

    def lines(self):
        out = [line for link in self.links for line in self.link_lines(link)]
        if self.ok:
            out.append("verify: every link holds (%d of %d)" % (len(self.links), len(self.LINKS)))
        else:
            broken = next((link.link for link in self.links if not link.ok), None)
            out.append("verify: the chain is broken at %s (%d of %d links hold)" % (broken, sum(1 for link in self.links if link.ok), len(self.LINKS)))
        return out

    def as_json(self):
        """Non-secret facts only, link by link: for a caller that keeps or logs them."""
        items = []
        for link in self.links:
            item = {"link": link.link, "ok": link.ok, "detail": link.detail}
            if not link.ok and link.todo:
                item["todo"] = link.todo
            items.append(item)
        return items


class _Run:
    """What one verify run learns, link by link."""

    def __init__(self, options, account, group, dns):
        self.options, self.account, self.group, self.dns = options, account, group, dns
        self.endpoint = options.endpoint
        self.timeout = options.timeout
        self.workspace = Workspace()
        self.directory = self.password = self.ccache = None

    def close(self):
        self.password = None
        if self.directory is not None:
            self.directory.close()  # also removes the workspace
        self.workspace.close()


def _address(host, timeout):
    """The IP address of host (smbclient -I and the DNS server need one)."""
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)
    try:
        return socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)[0][4][0]
    except OSError as e:
        raise AdError("dc", "%s does not resolve (%s)" % (host, e.strerror or e), "use the DC's address in --url, or fix this host's DNS")
    finally:
        socket.setdefaulttimeout(previous)


def check_dc(run):
    endpoint = run.endpoint
    reach(endpoint.host, endpoint.port, run.timeout)
    run.lp = load_parm(run.workspace, run.options)
    before = time.time()
    run.rootdse = root_dse(endpoint, run.lp)
    run.local_time = (before + time.time()) / 2
    run.domain = dn_to_dns_name(run.rootdse["defaultNamingContext"])
    run.realm = run.domain.upper()
    run.dc_host = run.rootdse.get("dnsHostName", endpoint.host)
    run.address = _address(endpoint.host, run.timeout)
    return "%s answers as %s, a domain controller of %s" % (endpoint.url(), run.dc_host, run.domain)


def check_dns(run):
    server = run.dns or run.address
    names = ["_ldap._tcp.dc._msdcs." + run.domain, "_kerberos._tcp." + run.domain]
    elsewhere = "" if run.dns else " (or name the DNS server this host uses with --dns)"
    found = {}
    for transport in ("udp", "tcp"):
        for name in names:
            try:
                answer = dnsquery.query(server, name, dnsquery.TYPE_SRV, transport, run.timeout)
            except dnsquery.DnsError as e:
                raise AdError("dns", "asking %s for %s: %s" % (server, name, e),
                              "let this host reach UDP and TCP port 53 of %s (security groups, network ACLs, its firewall)%s" % (server, elsewhere))
            if transport == "udp" and answer.truncated and not answer.records:
                continue  # too long for UDP: the TCP question below must carry it
            if not answer.records:
                what = "NXDOMAIN: it does not know the name" if answer.rcode == 3 else (
                    answer.rcode_name if answer.rcode else "NOERROR, but no SRV record")
                if run.dns:
                    todo = ("%s must resolve %s: forward %s to the domain controllers (a conditional forwarder, or a Route 53 Resolver "
                            "outbound rule), or point this host at the DCs' DNS" % (server, run.domain, run.domain))
                else:
                    todo = "the DC's own DNS lacks the domain's records: check its DNS zone %s and that the DCs register their SRV records" % run.domain
                raise AdError("dns", "%s answered %s over %s for %s (%s)" % (server, "no SRV record", transport.upper(), name, what), todo)
            found[name] = answer.records
    shown = "; ".join("%s -> %s" % (name, ", ".join(str(r) for r in found[name])) for name in names)
    return "%s (asked %s over UDP and TCP)" % (shown, server)


def check_clock(run):
    stamp = run.rootdse.get("currentTime")
    if not stamp:
        raise AdError("clock", "the DC's rootDSE has no currentTime", "check that --url names an Active Directory DC")
    dc_time = datetime.strptime(stamp.split(".")[0].rstrip("Z"), "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc).timestamp()
    skew = run.local_time - dc_time
    where = "ahead of" if skew > 0 else "behind"
    if abs(skew) >= KERBEROS_MAX_SKEW:
        raise AdError("clock", "this host's clock is %d s %s the DC's (Kerberos allows %d s)" % (abs(skew), where, KERBEROS_MAX_SKEW),
                      "synchronise the clocks: chrony/NTP on this host (on EC2, the Amazon Time Sync Service at 169.254.169.123), and the DC's time source")
    if abs(skew) < 2:
        return "this host's clock agrees with the DC's (to the second; Kerberos allows %d s)" % KERBEROS_MAX_SKEW
    return "this host's clock is %d s %s the DC's (Kerberos allows %d s)" % (abs(skew), where, KERBEROS_MAX_SKEW)


def check_bind(run):
    run.directory = connect(run.options, run.workspace)
    run.facts = run.directory.discover()
    run.identity = readers.identity(run.directory, run.options)
    return "%s bound to %s with sealed SASL (%s)" % (run.options.user, run.endpoint.url(), "NTLM" if run.endpoint.is_address else "Kerberos")


def check_gmsa(run):
    run.gmsa = readers.gmsa(run.directory, run.account)
    return "%s is a gMSA with SPNs %s and dNSHostName %s" % (run.gmsa.sam_name, ", ".join(run.gmsa.spns), run.gmsa.dns_host_name)


def check_password(run):
    route = readers.may_retrieve(run.directory, run.identity, run.gmsa, run.group)
    blob = readers.read_managed_password(run.directory, run.identity, run.gmsa, route)
    try:
        run.password = managedpassword.decode(blob)
    except managedpassword.BadBlob as e:
        raise AdError("password", "the DC returned an msDS-ManagedPassword that is not an MSDS-MANAGEDPASSWORD_BLOB: %s" % e,
                      "report this with the DC's version")
    days = managedpassword.ManagedPassword.seconds(run.password.query_interval) / 86400
    return "%s may retrieve %s's password%s, and got it (%d UTF-16 units; next change in %.1f days)" % (
        run.identity.user, run.gmsa.sam_name, " " + route if route else "", len(run.password.current) // 2, days)


def check_tgt(run):
    reach(run.address, 88, run.timeout, "the KDC")
    krb5_conf(run.workspace, run.realm, ["[%s]" % run.address if ":" in run.address else run.address])
    lp = load_parm(run.workspace, realm=run.realm, workgroup=run.facts["netbiosName"])
    try:
        run.ccache = kerberos.tgt(run.workspace, lp, run.realm, run.facts["netbiosName"], run.gmsa.sam_name, run.password.current)
    finally:
        run.password = None  # no longer needed: only the ticket cache is used from here on
    return "TGT for %s@%s from the KDC at %s" % (run.gmsa.sam_name, run.realm, run.address)


def check_service_ticket(run):
    spn = "cifs/%s@%s" % (run.dc_host, run.realm)
    kvno = kerberos.service_ticket(run.ccache, spn, 3 * run.timeout)
    return "service ticket for %s%s" % (spn, "" if kvno is None else " (key version %d)" % kvno)


def check_sysvol(run):
    reach(run.address, 445, run.timeout, "the DC's file service (SMB)")
    names = kerberos.list_share(run.workspace, run.ccache, run.dc_host, run.address, "SYSVOL", 3 * run.timeout)
    if run.domain.lower() not in (n.lower() for n in names):
        raise AdError("sysvol", "\\\\%s\\SYSVOL has no folder %s (it lists: %s)" % (run.dc_host, run.domain, ", ".join(names) or "nothing"),
                      "the DC has not finished setting up SYSVOL: check its SYSVOL replication")
    return "\\\\%s\\SYSVOL lists %s over SMB with Kerberos as %s" % (run.dc_host, ", ".join(names), run.gmsa.sam_name)


CHECKS = (("dc", check_dc), ("dns", check_dns), ("clock", check_clock), ("bind", check_bind), ("gmsa", check_gmsa),
          ("password", check_password), ("tgt", check_tgt), ("service ticket", check_service_ticket), ("sysvol", check_sysvol))


def verify(options, account, group=None, dns=None, on_link=None):
    """Every link of the chain, in order, up to the first broken one: a ChainResult. on_link, if
    given, is called with each Link as soon as it is checked (so a caller that may be stopped by
    its own deadline can print the links that held before)."""
    if dns is not None:
        try:
            ipaddress.ip_address(dns)
        except ValueError:
            raise ValueError("--dns %r must be the IP address of a DNS server" % dns)
    result = ChainResult()
    saved_krb5_config = os.environ.get("KRB5_CONFIG")
    run = _Run(options, account.rstrip("$"), group, dns)

    try:
        for name, check in CHECKS:
            try:
                link = Link(name, True, check(run))
            except AdError as e:
                # e.link may be a lower layer's name ("reach", "timeout"): the broken link is this one.
                link = Link(name, False, e.why, e.why, e.todo)
            except Exception as e:  # an unforeseen failure still ends as one line, never a traceback
                why = "%s: %s" % (type(e).__name__, " ".join(str(e).split())[:300])
                link = Link(name, False, why, why, "report this, with the line above")
            result.links.append(link)
            if on_link:
                on_link(link)
            if not link.ok:
                break
    finally:
        result.facts = getattr(run, "facts", None)  # the domain's, once the identity has bound
        run.close()
        if saved_krb5_config is None:
            os.environ.pop("KRB5_CONFIG", None)
        else:
            os.environ["KRB5_CONFIG"] = saved_krb5_config
    return result


def verify_each(options, accounts, group, who, out):
    """verify for each gMSA as `who`, printing each link through out.line (the management host's
    check): (one summary each (summary), the domain's facts); raises the first broken link."""
    entries = []
    for account in accounts:
        out.line("checking the chain for %s$ as %s" % (account, who))
        # Each link printed as it is checked: a run stopped by its bound still shows how far it got.
        result = verify(options, account, group=group, dns=None, on_link=lambda link: [out.line(line) for line in ChainResult.link_lines(link)])
        out.line(result.lines()[-1])
        entries.append(summary(account, result))
        broken = next((link for link in result.links if not link.ok), None)
        if broken is not None or not result.ok:
            raise AdError(broken.link if broken else "verify", "%s$: %s" % (account, broken.why if broken else "the chain was not checked to its end"),
                          (broken.todo if broken else "") or "")
    return entries, result.facts


def summary(account, result):
    """One gMSA's chain in the result line: whether it holds and how many of its links do. The
    links themselves are progress lines: all of them in the result grew it ~1.4 KB per gMSA."""
    return {"account": account, "ok": result.ok, "links": sum(1 for link in result.links if link.ok)}
