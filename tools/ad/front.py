"""npm run ad's help and argument check, run by tools/ad.ts before components/scripts/ad/cli.py.

It builds cli.py's own parser (so the flags and their checks are cli.py's) and adds the help's prose
from help.json to it. The prose lives here, not in components/scripts/ad/: that package is shipped
inside the management host's SSM documents, so any byte changed there updates the deployed
documents and re-runs provisioning.

python3 front.py <argv...> prints one JSON object on stdout and exits 0:
  {"kind": "help", "text": ...}                        -h/--help where a flag is expected, or help [<command>] first
  {"kind": "error", "message": ..., "usage": ...}      bad arguments; unknown ones are reported first
  {"kind": "ok", "command": ..., "usage": ...}         cli.py may run; usage is the command's, for its own refusals
It needs no Samba: cli.py imports connection (Samba's bindings) at its top, so a placeholder stands in
for that module here; nothing here connects."""

import argparse
import json
import os
import sys
import types

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = os.path.join(HERE, os.pardir, os.pardir, "components", "scripts", "ad")
TOP = "npm run ad --"

with open(os.path.join(HERE, "help.json"), encoding="utf-8") as f:
    HELP = json.load(f)


class Refused(Exception):
    def __init__(self, message, parser):
        super().__init__(message)
        self.parser = parser


class HelpRequested(Exception):
    def __init__(self, text):
        super().__init__(text)
        self.text = text


def load_cli():
    sys.dont_write_bytecode = True  # nothing written into the package directory
    if "connection" not in sys.modules:
        placeholder = types.ModuleType("connection")
        placeholder.AdError = type("AdError", (Exception,), {})
        placeholder.ConnectOptions = placeholder.connect = None
        sys.modules["connection"] = placeholder
    sys.path.insert(0, os.path.abspath(PACKAGE))
    import cli
    cli.BaseParser = getattr(cli, "BaseParser", cli.Parser)  # cli.py's own, before build() replaces it
    return cli


def build(cli, lenient):
    """cli.parser() with the help's prose. lenient: nothing required, no value checked, so that a
    first parse finds the unknown arguments before argparse would report a missing one."""
    commands = {}

    def loosen(kwargs):
        if lenient:
            for key in ("required", "type", "choices"):
                kwargs.pop(key, None)
        return kwargs

    class Helpful(cli.BaseParser):
        def __init__(self, *args, **kwargs):
            prog = kwargs.get("prog", "")
            command = prog[len(TOP) + 1:] if prog.startswith(TOP + " ") else None
            kwargs["description"] = HELP["commands"].get(command) if command else HELP["description"]
            if command is None:
                kwargs["epilog"] = HELP["epilog"]
                kwargs["formatter_class"] = argparse.RawDescriptionHelpFormatter
            elif command != "host":
                kwargs["epilog"] = HELP["commandEpilog"]
            if command == "discover":
                kwargs["conflict_handler"] = "resolve"  # its --format is replaced below
            super().__init__(*args, **kwargs)
            if command:
                commands[command] = self

        def error(self, message):
            raise Refused(message, self)

        def print_help(self, file=None):
            raise HelpRequested(self.format_help())

        def add_argument(self, *args, **kwargs):
            return super().add_argument(*args, **loosen(kwargs))

        def add_mutually_exclusive_group(self, **kwargs):
            group = super().add_mutually_exclusive_group(**loosen(kwargs))
            add = group.add_argument
            group.add_argument = lambda *a, **kw: add(*a, **loosen(kw))
            return group

        def add_subparsers(self, **kwargs):
            kwargs.setdefault("title", "commands")
            action = super().add_subparsers(**kwargs)
            add = action.add_parser

            def add_parser(name, **kw):
                kw["help"] = HELP.get("summaries", {}).get(name, kw.get("help"))
                return add(name, **kw)
            action.add_parser = add_parser
            self.subparsers_action = action
            return action

    cli.Parser = Helpful
    top = cli.parser()
    if lenient:
        top.subparsers_action.required = False
    # discover's yaml and config are rendered by tools/ad.ts (which checks the value), cli.py prints json.
    discover = commands["discover"]
    flags = HELP["flags"]
    discover.add_argument("--format", default="json", metavar="{json,yaml,config}", help=flags["discover --format"])
    discover.add_argument("--account", help=flags["discover --account"])
    discover.add_argument("--name", help=flags["discover --name"])
    return top, commands


def usage_of(parser, top):
    # No command or an unknown one: every command; a misused command: its usage.
    return parser.format_help() if parser is top else parser.format_usage()


def check(argv):
    cli = load_cli()
    top, commands = build(cli, lenient=False)
    if argv[:1] == ["help"]:
        topics = argv[1:]
        if not topics:
            return {"kind": "help", "text": top.format_help()}
        if len(topics) == 1 and topics[0] in commands:
            return {"kind": "help", "text": commands[topics[0]].format_help()}
        return {"kind": "error", "message": "help: %s is not a command (choose from %s)" % (" ".join(topics), ", ".join(commands)),
                "usage": top.format_help()}
    try:
        loose, _ = build(cli, lenient=True)
        args, unknown = loose.parse_known_args(argv)
        if unknown:
            parser = commands.get(args.command, top)
            return {"kind": "error", "message": "unrecognized arguments: %s" % " ".join(unknown), "usage": usage_of(parser, top)}
        args = top.parse_args(argv)
    except HelpRequested as e:
        return {"kind": "help", "text": e.text}
    except Refused as e:
        # The lenient parser's refusals name the same parser by prog.
        parser = commands.get(e.parser.prog[len(TOP) + 1:], top)
        return {"kind": "error", "message": str(e), "usage": usage_of(parser, top)}
    return {"kind": "ok", "command": args.command, "usage": commands[args.command].format_usage()}


if __name__ == "__main__":
    print(json.dumps(check(sys.argv[1:])))
