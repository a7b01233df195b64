"""`seawatch user add NAME --role R` and `seawatch user list`: console accounts (there is no default one).

The password is asked twice without echo (getpass) or, for scripts, read from stdin (`--password-stdin`).
Users live in the store (`--data-dir`: a directory for the embedded store, default `seawatch-data`, the
site's `[storage] dir`, or a `postgresql://` URL); only argon2id hashes are kept.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

from seawatch.errors import ConfigError
from seawatch.serve.auth import ROLES, add_user
from seawatch.serve.store_adapter import as_console_store

DEFAULT_DATA_DIR = "seawatch-data"


def users_store(data_dir: str | Path) -> Any:
    from seawatch.store import open_store

    return as_console_store(open_store(data_dir))


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    a = sub.add_parser("add", help="create or replace a user (asks for the password twice)")
    a.add_argument("name")
    a.add_argument("--role", required=True, choices=ROLES)
    a.add_argument("--password-stdin", action="store_true", help="read the password from stdin (scripts)")
    a.add_argument("--data-dir", default=DEFAULT_DATA_DIR, help=f"where users are kept ({DEFAULT_DATA_DIR})")
    ls = sub.add_parser("list", help="list users and roles")
    ls.add_argument("--data-dir", default=DEFAULT_DATA_DIR)


def cmd_user(args: argparse.Namespace) -> int:
    store = users_store(args.data_dir)
    if args.user_command == "list":
        for u in store.list_users():
            print(f"{u['name']}\t{u['role']}")
        return 0
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"password for {args.name}: ")
        if getpass.getpass("again: ") != password:
            raise ConfigError("the two passwords differ; nothing changed")
    add_user(store, args.name, args.role, password)
    print(f"user {args.name} ({args.role}) saved in the store at {args.data_dir}")
    return 0
