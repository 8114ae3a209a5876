import sys

from edochub.cli import main

sys.exit(main())
