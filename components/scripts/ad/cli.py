"""eks-gmsa's Active Directory operations, one command line for a laptop (`npm run ad -- ...`),
the tests (against a Samba DC) and the management host (`host --payload-file`).

The password of --user is read from AD_PASSWORD, never from a flag. Exit status: 0 done (verify:
every link holds), 1 the operation failed (one message: what broke, why, what to do), 2 bad usage."""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import names  # noqa: E402
from bounded import run_bounded  # noqa: E402
from connection import AdError, ConnectOptions, connect  # noqa: E402

class Usage(Exception):
    pass


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise Usage(message)


def checked(check, flag):
    def convert(value):
        try:
            return check(flag, value)
        except names.BadName as e:
            raise argparse.ArgumentTypeError(str(e))
    return convert


def seconds(value):
    try:
        number = float(value)
    except ValueError:
        number = -1
    if not 1 <= number <= 120:
        raise argparse.ArgumentTypeError("--timeout must be a number of seconds from 1 to 120")
    return number


def iso_time(value):
    import nodes
    try:
        return nodes.parse_time("--created-after", value)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e))


def wait_seconds(value):
    if not value.isdigit() or int(value) > 600:
        raise argparse.ArgumentTypeError("--wait must be a whole number of seconds from 0 to 600")
    return int(value)


def parser():
    top = Parser(prog="npm run ad --", description="Active Directory for eks-gmsa: discover, provision, verify, remove, and the node lifecycle.")
    commands = top.add_subparsers(dest="command", metavar="<command>", parser_class=Parser)
    commands.required = True

    def command(name, help_text):
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("--url", required=True, help="ldap://host[:port] or ldaps://host[:port] of a domain controller")
        sub.add_argument("--user", required=True, help="DOMAIN\\name or name@domain; its password in AD_PASSWORD")
        sub.add_argument("--timeout", type=seconds, default=5.0, help="seconds for connecting and each answer (default 5)")
        sub.add_argument("--ca-file", help="PEM file of the CA that signed the DC's LDAPS certificate")
        sub.add_argument("--insecure-tls", action="store_true", help="accept any LDAPS certificate (tests only)")
        return sub

    discover = command("discover", "print the domain facts credential specs name, as JSON")
    discover.add_argument("--format", choices=["json"], default="json")

    provision = command("provision", "create or correct the readers' group, the gMSAs and the portable identity")
    provision.add_argument("--account", action="append", required=True, type=checked(names.gmsa_name, "--account"), help="gMSA name without '$' (repeatable)")
    provision.add_argument("--group", required=True, type=checked(names.group_name, "--group"), help="the readers' group")
    provision.add_argument("--identity-user", type=checked(names.user_name, "--identity-user"), help="portable identity (password in AD_IDENTITY_PASSWORD)")
    provision.add_argument("--ou", type=checked(names.container_dn, "--ou"), help="OU for the group and the identity")
    provision.add_argument("--owner", default="eks-gmsa", type=checked(names.owner_label, "--owner"), help="mark put on what is created")

    remove = command("remove", "remove a gMSA, and the identity and group when nothing else uses them")
    remove.add_argument("--account", required=True, type=checked(names.gmsa_name, "--account"))
    remove.add_argument("--group", required=True, type=checked(names.group_name, "--group"))
    remove.add_argument("--identity-user", type=checked(names.user_name, "--identity-user"))
    remove.add_argument("--owner", default="eks-gmsa", type=checked(names.owner_label, "--owner"))

    verify = command("verify", "check the whole chain as the identity that must read the gMSA's password")
    verify.add_argument("--account", required=True, type=checked(names.gmsa_name, "--account"))
    verify.add_argument("--group", type=checked(names.group_name, "--group"))
    verify.add_argument("--dns", help="DNS server to ask for the domain's SRV records (default: the DC itself)")

    for name, text in (("node-join", "add a node's computer account to the readers' group"),
                       ("node-cleanup", "delete a removed node's computer account if it is in the readers' group")):
        sub = command(name, text)
        sub.add_argument("--group", required=True, type=checked(names.group_name, "--group"))
        sub.add_argument("--join-ou", type=checked(names.container_dn, "--join-ou"))
        sub.add_argument("--owner", default="eks-gmsa", type=checked(names.owner_label, "--owner"), help="the cluster the node belongs to (with --instance-id)")
        instance_help = "EC2 instance ID: node-join binds the account to it; node-cleanup deletes only accounts bound to it"
        if name == "node-join":
            sub.add_argument("--computer", required=True, type=checked(names.computer_name, "--computer"))
            sub.add_argument("--instance-id", type=checked(names.instance_id, "--instance-id"), help=instance_help)
            sub.add_argument("--created-after", type=iso_time, help="ISO 8601 time (the instance's launch): refuse an account created before it")
            sub.add_argument("--wait", type=wait_seconds, default=0, help="seconds to wait for the account to reach this DC (replication), 0 to 600")
        else:
            which = sub.add_mutually_exclusive_group(required=True)
            which.add_argument("--computer", type=checked(names.computer_name, "--computer"))
            which.add_argument("--instance-id", type=checked(names.instance_id, "--instance-id"), help=instance_help)

    host = commands.add_parser("host", help="run the management host's payload (SSM document)")
    host.add_argument("--payload-file", required=True)
    return top


def password_from_env(variable, flag):
    value = os.environ.get(variable)
    if not value:
        raise Usage("%s is not set (the password of %s)" % (variable, flag))
    return value


def run(args):
    if args.command == "host":
        import host
        return host.main(args.payload_file)
    options = ConnectOptions(args.url, args.user, password_from_env("AD_PASSWORD", "--user"), args.timeout, args.ca_file, args.insecure_tls)
    if args.command == "verify":
        import chain
        result = chain.verify(options, args.account, group=args.group, dns=args.dns)
        for line in result.lines():
            print(line)
        return 0 if result.ok else 1
    identity_password = None
    if args.command == "provision" and args.identity_user:
        identity_password = password_from_env("AD_IDENTITY_PASSWORD", "--identity-user")
    directory = connect(options)
    try:
        changes = operate(directory, args, identity_password)
    finally:
        directory.close()
    if args.command == "discover":
        print(json.dumps(changes))
    else:
        print("\n".join(changes) if changes else "nothing to change")
    return 0


def operate(directory, args, identity_password):
    if args.command == "discover":
        return directory.discover()
    if args.command in ("node-join", "node-cleanup"):
        import nodes
        join_ou = names.container_dn("--join-ou", args.join_ou, directory.base_dn) if args.join_ou else None
        bind_to = nodes.binding(args.owner, args.instance_id) if args.instance_id else None
        if args.command == "node-cleanup":
            if bind_to:
                return nodes.cleanup_bound(directory, args.group, bind_to, join_ou=join_ou)
            return nodes.cleanup(directory, args.group, args.computer, join_ou=join_ou)
        return nodes.join(directory, args.group, args.computer, join_ou=join_ou, created_after=args.created_after, bind_to=bind_to,
                          wait_seconds=args.wait)
    import provision
    if args.command == "provision":
        ou = names.container_dn("--ou", args.ou, directory.base_dn) if args.ou else None
        identity = (args.identity_user, identity_password) if args.identity_user else None
        return provision.provision(directory, args.account, args.group, args.owner, identity=identity, accounts_ou=ou)
    return provision.remove(directory, args.account, args.group, args.owner, identity_user=args.identity_user)


def bounded(seconds, what, work):
    def timed_out():
        print("ad: timeout: %s got no complete answer within %ds; check that the address is a domain controller "
              "that answers LDAP, its load, and the network path, or raise --timeout" % (what, seconds), file=sys.stderr)
    return run_bounded(seconds, work, timed_out)


def guarded(args):
    try:
        return run(args)
    except Usage as e:
        print("ad: %s (npm run ad -- <command> --help)" % e, file=sys.stderr)
        return 2
    except (ValueError, names.BadName) as e:
        print("ad: %s" % e, file=sys.stderr)
        return 2
    except AdError as e:
        print("ad: %s" % e, file=sys.stderr)
        return 1
    except Exception as e:  # noqa: BLE001 - one line, never a traceback (nor silence: the bounded child's would be lost)
        # Mostly an older Samba's bindings lacking a name this package imports (ImportError).
        line = "internal: %s: %s; report this with the output of: python3 -c 'import samba; print(samba.version)'" % (
            type(e).__name__, " ".join(str(e).split())[:300])
        if args.command == "host":
            print("eks-gmsa: " + line)  # host mode reports on stdout (host.py)
        else:
            print("ad: " + line, file=sys.stderr)
        return 1


def main(argv):
    try:
        args = parser().parse_args(argv)
    except Usage as e:
        print("ad: %s (npm run ad -- <command> --help)" % e, file=sys.stderr)
        return 2
    if args.command == "host":
        return guarded(args)  # the SSM document bounds the host run (timeoutSeconds)
    return bounded(max(30, 12 * args.timeout) + getattr(args, "wait", 0), args.command, lambda: guarded(args))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
