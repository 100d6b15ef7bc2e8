"""``python -m unikeras`` / ``unikeras``: the command-line tools.

unikeras compare --model mlp --backends torch,jax --plot curves.png
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` (default ``sys.argv[1:]``), run the command; its exit status."""
    from unikeras.compare import cli as compare_cli

    parser = argparse.ArgumentParser(prog="unikeras", description="unikeras command-line tools.")
    commands = parser.add_subparsers(dest="command", title="commands", required=True)
    compare = commands.add_parser(
        "compare",
        help="train one model on every backend and compare speed, memory and accuracy",
        description=compare_cli.DESCRIPTION,
        epilog=compare_cli.EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    compare_cli.add_arguments(compare)
    compare.set_defaults(handler=compare_cli.run, command_parser=compare)
    args = parser.parse_args(argv)
    return args.handler(args, args.command_parser)


if __name__ == "__main__":
    sys.exit(main())
