"""A TCP port that swallows connection attempts without answering, as a firewall that drops
packets does: a listening socket with a backlog of one that never accepts, its queue filled by
one connection of our own, so the kernel drops every further SYN (no RST, no reply at all).

    python3 tcp_blackhole.py <address>      prints the port, then holds it until stdin closes

No iptables needed (and nothing global changes); the port is gone when this process ends."""
import socket
import sys


def main():
    address = sys.argv[1]
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind((address, 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    filler = socket.create_connection((address, port), timeout=2)
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.settimeout(0.5)
    try:
        probe.connect((address, port))
        sys.exit("the accept queue did not fill: connections to %s:%d are still answered" % (address, port))
    except socket.timeout:
        pass
    finally:
        probe.close()
    print(port, flush=True)
    sys.stdin.read()
    filler.close()
    listener.close()


if __name__ == "__main__":
    main()
