"""Calls chain.verify() in-process, the way the management host does, and prints what it returned
as one JSON line, so tests can check the result object's API (ok, links, lines(), as_json()).

    AD_PASSWORD=... /usr/bin/python3 chain_api.py < request.json

request: {"url", "user", "account", "group"?, "dns"?, "timeout"?, "clockOffsetSeconds"?}
clockOffsetSeconds shifts the clock chain.py reads (only chain.py's), to act as a host whose clock
is that far ahead of the DC's."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "components", "scripts", "ad"))

import chain  # noqa: E402
from connection import ConnectOptions  # noqa: E402


class ShiftedClock:
    def __init__(self, offset):
        self.offset = offset

    def time(self):
        return time.time() + self.offset


def main():
    request = json.load(sys.stdin)
    if request.get("clockOffsetSeconds"):
        chain.time = ShiftedClock(float(request["clockOffsetSeconds"]))
    options = ConnectOptions(request["url"], request["user"], os.environ["AD_PASSWORD"], request.get("timeout", 5))
    result = chain.verify(options, request["account"], group=request.get("group"), dns=request.get("dns"))
    print(json.dumps({
        "ok": result.ok,
        "links": [{"link": link.link, "ok": link.ok, "detail": link.detail, "why": link.why, "todo": link.todo} for link in result.links],
        "lines": result.lines(),
        "json": result.as_json(),
        "krb5Config": os.environ.get("KRB5_CONFIG"),
    }))


if __name__ == "__main__":
    main()
