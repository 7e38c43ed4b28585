"""python -m podlb_component.sandbox.fake_bce --port N --state seed.yaml"""

import argparse
import sys
import time

from .server import FakeBce
from .state import FakeBceState


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m podlb_component.sandbox.fake_bce", description="Serve the fake BCE API on 127.0.0.1."
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free one)")
    parser.add_argument("--state", help="seed YAML (credentials, security groups, ENIs, clusters)")
    args = parser.parse_args()
    state = FakeBceState.from_seed(args.state) if args.state else FakeBceState()
    fake = FakeBce(state, port=args.port).start()
    print(f"fake BCE listening on {fake.endpoint}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
