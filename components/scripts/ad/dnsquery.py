"""A small DNS client (RFC 1035, SRV from RFC 2782) for the chain check: asks one server for the
domain's SRV records over UDP and over TCP, so that a DNS path that lets only one of them through
(a security group opening UDP 53 alone, say) shows up here rather than on a Windows node.

Standard library only: the management host and a laptop need no resolver package, and the host's
own resolver is bypassed on purpose (the question is what THIS server answers)."""

import os
import socket
import struct

TYPE_SRV = 33
CLASS_IN = 1
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


class DnsError(Exception):
    """No usable answer: kind is 'timeout', 'unreachable' or 'malformed'; str() says which server and transport."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


class Srv:
    def __init__(self, priority, weight, port, target):
        self.priority, self.weight, self.port, self.target = priority, weight, port, target

    def __str__(self):
        return "%s:%d" % (self.target, self.port)


class Answer:
    def __init__(self, rcode, truncated, records):
        self.rcode, self.truncated, self.records = rcode, truncated, records

    @property
    def rcode_name(self):
        return RCODES.get(self.rcode, "RCODE %d" % self.rcode)


def build_query(name, qtype, ident):
    """One question, recursion desired."""
    header = struct.pack(">HHHHHH", ident, 0x0100, 1, 0, 0, 0)
    labels = b""
    for label in name.rstrip(".").split("."):
        encoded = label.encode("ascii")
        if not 0 < len(encoded) < 64:
            raise ValueError("DNS name %r has an empty or too long label" % name)
        labels += bytes([len(encoded)]) + encoded
    return header + labels + b"\x00" + struct.pack(">HH", qtype, CLASS_IN)


def read_name(message, offset):
    """(name, offset after it); follows compression pointers, refusing loops and overruns."""
    labels, jumps, end = [], 0, None
    while True:
        if offset >= len(message):
            raise DnsError("malformed", "a name runs past the end of the answer")
        length = message[offset]
        if length & 0xC0 == 0xC0:
            if offset + 1 >= len(message) or jumps > 32:
                raise DnsError("malformed", "a compressed name loops or is cut short")
            end = offset + 2 if end is None else end
            offset = ((length & 0x3F) << 8) | message[offset + 1]
            jumps += 1
            continue
        if length & 0xC0:
            raise DnsError("malformed", "a name has an unknown label type")
        offset += 1
        if length == 0:
            return ".".join(labels), (end if end is not None else offset)
        labels.append(message[offset:offset + length].decode("ascii", "replace"))
        offset += length


def parse_answer(message, ident, name, qtype):
    """The answer to our question: rcode, TC bit and the SRV records of the answer section."""
    if len(message) < 12:
        raise DnsError("malformed", "the answer is shorter than a DNS header")
    rid, flags, qdcount, ancount = struct.unpack(">HHHH", message[:8])
    if rid != ident or not flags & 0x8000:
        raise DnsError("malformed", "the answer does not match the question")
    offset = 12
    for _ in range(qdcount):
        qname, offset = read_name(message, offset)
        if qname.lower() != name.lower().rstrip("."):
            raise DnsError("malformed", "the answer is for another name (%s)" % qname)
        offset += 4
    records = []
    for _ in range(ancount):
        _, offset = read_name(message, offset)
        if offset + 10 > len(message):
            raise DnsError("malformed", "a record is cut short")
        rtype, rclass, _, rdlength = struct.unpack(">HHIH", message[offset:offset + 10])
        offset += 10
        if offset + rdlength > len(message):
            raise DnsError("malformed", "a record's data is cut short")
        if rtype == qtype == TYPE_SRV and rclass == CLASS_IN and rdlength >= 7:
            priority, weight, port = struct.unpack(">HHH", message[offset:offset + 6])
            target, _ = read_name(message, offset + 6)
            records.append(Srv(priority, weight, port, target))
        offset += rdlength
    return Answer(flags & 0x000F, bool(flags & 0x0200), records)


def _family(server):
    return socket.AF_INET6 if ":" in server else socket.AF_INET


def query_udp(server, name, qtype, timeout, port=53):
    ident = int.from_bytes(os.urandom(2), "big")
    request = build_query(name, qtype, ident)
    where = "%s port %d over UDP" % (server, port)
    with socket.socket(_family(server), socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        try:
            # connect(): the kernel then reports an ICMP port-unreachable as ECONNREFUSED.
            sock.connect((server, port))
            sock.send(request)
            while True:
                reply = sock.recv(65535)
                try:
                    return parse_answer(reply, ident, name, qtype)
                except DnsError as e:
                    if str(e) != "the answer does not match the question":
                        raise
        except socket.timeout:
            raise DnsError("timeout", "no answer from %s within %gs" % (where, timeout))
        except OSError as e:
            raise DnsError("unreachable", "%s: %s" % (where, e.strerror or e))


def _recv_exactly(sock, count):
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise DnsError("malformed", "the server closed the TCP connection mid-answer")
        data += chunk
    return data


def query_tcp(server, name, qtype, timeout, port=53):
    ident = int.from_bytes(os.urandom(2), "big")
    request = build_query(name, qtype, ident)
    where = "%s port %d over TCP" % (server, port)
    try:
        with socket.create_connection((server, port), timeout=timeout) as sock:
            sock.sendall(struct.pack(">H", len(request)) + request)
            (length,) = struct.unpack(">H", _recv_exactly(sock, 2))
            return parse_answer(_recv_exactly(sock, length), ident, name, qtype)
    except socket.timeout:
        raise DnsError("timeout", "no answer from %s within %gs" % (where, timeout))
    except DnsError as e:
        raise DnsError(e.kind, "%s: %s" % (where, e))
    except OSError as e:
        raise DnsError("unreachable", "%s: %s" % (where, e.strerror or e))


def query(server, name, qtype, transport, timeout):
    return (query_udp if transport == "udp" else query_tcp)(server, name, qtype, timeout)
