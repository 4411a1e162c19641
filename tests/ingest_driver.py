"""A child process that ingests files into a data directory, for crash and concurrency tests.

    python tests/ingest_driver.py DATA_DIR [--crash-at STEP] [--slow SECONDS] PATH...

``--crash-at`` kills the process (os._exit) at a step of the ingest shell;
``--slow`` sleeps at each step, so a parent can kill it or race it at a chosen moment.
Prints one JSON line per file result.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from conftest import BigramEmbedding  # noqa: E402

from assistant.config import load_config  # noqa: E402
from assistant.factory import make_index, make_ingestor  # noqa: E402

CRASH_EXIT = 70


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir")
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--crash-at")
    parser.add_argument("--slow", type=float, default=0.0)
    parser.add_argument("--store-url")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()

    def hook(step: str) -> None:
        if args.slow:
            time.sleep(args.slow)
        if step == args.crash_at:
            os._exit(CRASH_EXIT)

    config = load_config(environ={}, data_dir=args.data_dir, store__url=args.store_url,
                         ingest__workers=args.workers)
    ingestor = make_ingestor(config, index=make_index(config, embedding=BigramEmbedding()))
    ingestor.crash_hook = hook
    for result in ingestor.ingest(args.paths):
        print(json.dumps({"path": result.path, "status": result.status, "report_id": result.report_id,
                          "reason": result.reason}, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
