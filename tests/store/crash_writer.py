"""Subprocess for the crash test: writes positions, alerts and acknowledgements in a loop, resuming from
the store's checkpoint, and prints `committed <step>` once a step's writes have all returned.

usage: python crash_writer.py STORE_URL LAST_STEP
"""

from __future__ import annotations

import sys

from store_data import T0, contacts

from seawatch.store import Checkpoint, open_store

BATCH_CONTACTS, BATCH_STEPS = 25, 20  # 500 positions per step, 40 s of time


def main() -> None:
    url, last = sys.argv[1], int(sys.argv[2])
    store = open_store(url)
    cp = store.load_checkpoint("crash-test")
    start = cp.offset if cp else 0
    print(f"resume {start}", flush=True)
    for step in range(start, last):
        t0 = T0 + step * BATCH_STEPS * 2.0
        store.write_positions(contacts(BATCH_CONTACTS, BATCH_STEPS, t0=t0, seed=step))
        store.upsert_alerts([{"id": f"a{step}", "type": "dark_target", "severity": "high", "start": t0,
                              "end": None, "lat": 40.0, "lon": 50.0, "track_ids": [step], "mmsi": [],
                              "zone": None, "score": 0.5, "summary": f"step {step}", "evidence": {}}])
        store.record_action("op", "acknowledge", f"a{step}", action_id=f"ack-{step}", t=t0 + 1)
        # the checkpoint goes last: a step re-run after a crash rewrites only what is idempotent
        store.save_checkpoint(Checkpoint("crash-test", file="steps", offset=step + 1, last_t=t0 + 38))
        print(f"committed {step}", flush=True)
    store.close()
    print("done", flush=True)


if __name__ == "__main__":
    main()
