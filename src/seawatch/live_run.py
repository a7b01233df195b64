"""`seawatch run --site SITE.toml`: live operation on the site's configured sensor sources.

The same chain as the demo without its simulator: the site's feeds (TCP client/server, UDP, files) →
time-ordered ingest → tracking and fusion → detection → the store named by the site's `[storage]` (or
`--data`) → the console on `[server]` host and port (127.0.0.1:8000 by default). There is no default
account: users are added with `seawatch user add NAME --role ROLE --data-dir DIR` on the same store.
`--duration S` stops by itself (tests, soak runs); otherwise Ctrl-C.
"""

from __future__ import annotations

import logging
import tempfile
import threading
import time
from pathlib import Path

from seawatch.config import load_site
from seawatch.demo import DemoOptions, DemoRunner, stats_of

logger = logging.getLogger(__name__)

REORDER_S = 5.0


def run_site(site_path: Path, *, data: str | None = None, duration_s: float | None = None) -> int:
    """Run until interrupted or `duration_s` has passed; prints the console address and final counts."""
    import uvicorn

    from seawatch.serve.app import create_app

    site = load_site(site_path)
    st = site.storage
    store = data or (st.dsn if st.backend == "postgresql" and st.dsn else st.dir)
    is_dir = "://" not in store
    work = Path(store) if is_dir else Path(tempfile.mkdtemp(prefix="seawatch-run-"))
    # real receivers stamp their messages with clocks and latencies seconds apart: hold rows REORDER_S
    # (the simulator's feeds need 0.2 s) so that a late receiver's rows are merged, not dropped as late
    runner = DemoRunner(DemoOptions(host=site.server.host, port=site.server.port, site_path=site_path,
                                    store=store, data_dir=work, reorder_window_s=REORDER_S))
    runner.start()
    host, port = site.server.host, site.server.port
    print(f"seawatch run: site {site.site.name!r}, {len(site.sensors)} sensor(s); store {store}", flush=True)
    hint = "" if runner.console_store.list_users() else (
        f"   (no users yet: seawatch user add NAME --role operator"
        f"{' --data-dir ' + store if is_dir else ''})")
    print(f"console: http://{host}:{port}/{hint}", flush=True)
    server = uvicorn.Server(uvicorn.Config(create_app(runner.picture, runner.console_store), host=host,
                                           port=port, log_level="warning"))
    if duration_s is not None:
        def stop_later() -> None:
            time.sleep(duration_s)
            server.should_exit = True

        threading.Thread(target=stop_later, name="run-duration", daemon=True).start()
    try:
        server.run()
    finally:
        runner.stop()   # writes what is queued for the store first
    counts = stats_of(runner)
    print("final: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()), flush=True)
    return 0
