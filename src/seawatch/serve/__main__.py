"""`python -m seawatch.serve`: the console alone, fed by the generated contact stream (serve/synthetic.py).

For a look at the console and for front-end work without the pipeline; `seawatch demo` is the real thing.
Creates a one-off operator account with a random password and prints it (there is no default account).
"""

from __future__ import annotations

import argparse
import secrets
import threading
import time

from seawatch.serve.app import serve
from seawatch.serve.auth import add_user
from seawatch.serve.backend import MemoryStore
from seawatch.serve.picture import Picture
from seawatch.serve.synthetic import SyntheticFeed


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m seawatch.serve", description=__doc__.split("\n")[0])
    ap.add_argument("--contacts", type=int, default=300)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8000)
    args = ap.parse_args()
    store, picture = MemoryStore(), Picture()
    password = secrets.token_urlsafe(12)
    add_user(store, "operator", "supervisor", password)
    feed = SyntheticFeed(args.contacts, time.time())
    alerts = [feed.alert(0, "dark_target", "high"), feed.alert(1, "zone_entry", "critical"),
              feed.alert(2, "loitering", "medium")]

    def pump() -> None:
        first = True
        while True:
            batch = feed.step()
            picture.apply(batch, alerts if first else [])
            store.write_contacts(batch)
            if first:
                store.write_alerts(alerts)
            first = False
            time.sleep(1.0)

    threading.Thread(target=pump, daemon=True).start()
    print(f"seawatch console: http://{args.host}:{args.port}/  user: operator  password: {password}", flush=True)
    serve(picture, store, host=args.host, port=args.port)


if __name__ == "__main__":
    main()
