"""python -m podlb_component.testing.fake_bce: the same as python -m podlb_component.sandbox.fake_bce"""

import sys

from ...sandbox.fake_bce.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
