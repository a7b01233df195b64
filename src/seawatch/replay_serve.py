"""`seawatch replay --serve`: the console on a replay (DESIGN.md's CLI contract).

The recordings go through the same replay (ingest → tracking and fusion → detection), paced by `--speed` if
given, in a background thread; each batch of contact updates and the alerts it changed go to a live picture
that the console serves on the site's `[server]` host and port (127.0.0.1:8000 by default), and into a store
(`--store`, else a temporary directory) from which the console's history replay reads. A one-off supervisor
account with a random password is created and printed, as the demo does: there is no default login. The
console stays up after the replay has ended (its picture as at the end, its history to replay) until Ctrl-C.
For training: an operator watches a recorded night at 10x (`--speed 10`) and works its alert queue.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from dataclasses import replace

from seawatch.config import SiteConfig
from seawatch.errors import ConfigError
from seawatch.replay import ReplayOptions, ReplayResult, run_replay

logger = logging.getLogger(__name__)


class ServedReplay:
    """The replay thread, the picture and the store the console shows."""

    def __init__(self, site: SiteConfig, opts: ReplayOptions) -> None:
        from seawatch.serve.picture import Picture
        from seawatch.serve.store_adapter import as_console_store
        from seawatch.store import open_store
        from seawatch.store.keeper import retention_of

        self.site = site
        self.store_url = opts.store or tempfile.mkdtemp(prefix="seawatch-replay-")
        self.store = open_store(self.store_url, retention_of(site.storage.retention))
        self.picture = Picture()
        self.console_store = as_console_store(self.store, lambda: self.picture.now)
        self.opts = replace(opts, on_picture=self.picture.apply, store=None, store_handle=self.store)
        self.result: ReplayResult | None = None
        self.error: BaseException | None = None
        self.done = threading.Event()

    def _run(self) -> None:
        try:
            self.result = run_replay(self.site, self.opts)
            n = len(self.result.alerts)
            print(f"replay finished: {self.result.n_obs:,} observations, {n:,} alert(s); the console stays up "
                  "(Ctrl-C stops it)", flush=True)
        except BaseException as err:
            self.error = err
            logger.exception("the replay stopped")
        finally:
            self.done.set()

    def start(self) -> None:
        threading.Thread(target=self._run, name="replay", daemon=True).start()

    def close(self) -> None:
        if self.done.is_set():   # else the replay thread still writes to it: the process ends with it
            self.store.close()


def serve_replay(site: SiteConfig | None, opts: ReplayOptions) -> int:
    """Run the replay under the console until Ctrl-C; prints the address and a one-off login."""
    from seawatch.demo import add_operator
    from seawatch.serve.app import serve

    if site is None:
        raise ConfigError("--serve needs the site (its zones, sensors and [server] address): give --site SITE.toml")
    opts.check_outputs()
    served = ServedReplay(site, opts)
    user, password = add_operator(served.console_store)
    host, port = site.server.host, site.server.port
    pace = f"{opts.speed:g}x real time" if opts.speed else "as fast as the CPU allows"
    print(f"seawatch replay: {len(opts.inputs)} input(s), {pace}; store {served.store_url}", flush=True)
    print(f"console: http://{host}:{port}/   login: {user}   password: {password}", flush=True)
    served.start()
    try:
        serve(served.picture, served.console_store, host=host, port=port)
    finally:
        served.close()
    return 1 if served.error is not None else 0


__all__ = ["ServedReplay", "serve_replay"]
