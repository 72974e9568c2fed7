"""`python -m tracker.replay SNAPSHOT_DIR [--port N]`: serve a snapshot until Ctrl-C (or SIGTERM).

With `--fixtures`, SNAPSHOT_DIR is a folder of recorded exchanges (e.g. shared/fixtures) instead.
With `--generate N`, the first N models of the corpus parquet are served too (generated.py), and
SNAPSHOT_DIR may be left out: `python -m tracker.replay --generate 74970` serves them all.
"""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path
from types import FrameType

from tracker.replay.server import ReplayServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tracker.replay", description=__doc__)
    parser.add_argument(
        "snapshot_dir", type=Path, nargs="?", help="folder with hub/ and github/ repos"
    )
    parser.add_argument("--port", type=int, default=0, help="port to bind (default: any free)")
    parser.add_argument("--fixtures", action="store_true", help="serve recorded exchanges")
    parser.add_argument(
        "--generate", type=int, metavar="N", help="also serve the corpus parquet's first N models"
    )
    parser.add_argument("--parquet", type=Path, help="model metadata for --generate")
    args = parser.parse_args(argv)
    if args.snapshot_dir is None and (args.generate is None or args.fixtures):
        parser.error("give SNAPSHOT_DIR, --generate N, or both")
    if args.snapshot_dir is not None and not args.snapshot_dir.is_dir():
        parser.error(f"{args.snapshot_dir} is not a directory")
    if args.fixtures:
        server = ReplayServer.from_fixtures(args.snapshot_dir, port=args.port)
    elif args.generate is not None:
        server = ReplayServer.generated(
            args.generate, args.snapshot_dir, parquet=args.parquet, port=args.port
        )
    else:
        server = ReplayServer(args.snapshot_dir, port=args.port)
    with server:
        print(f"Serving {describe(args)} at {server.url} (Ctrl-C to stop)")
        print(f"  HF_ENDPOINT={server.url}")
        print(f"  GITHUB_API_URL={server.github_api_url}", flush=True)
        wait_for_stop_signal()
    print("stopped")
    return 0


def describe(args: argparse.Namespace) -> str:
    parts = [] if args.snapshot_dir is None else [str(args.snapshot_dir)]
    if args.generate is not None:
        parts.append(f"{args.generate} generated models")
    return " and ".join(parts)


def wait_for_stop_signal() -> None:
    """Block until SIGINT or SIGTERM (also when the shell started us with SIGINT ignored)."""
    stop = threading.Event()

    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, handle)
    while not stop.wait(0.5):
        pass


if __name__ == "__main__":
    raise SystemExit(main())
