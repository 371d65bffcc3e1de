import sys

from lawdash.cli import main

sys.exit(main())
