"""`python -m featlearn_gui`: the desktop app (the same as `featlearn-gui`)."""

import sys

from featlearn_gui.app import main

sys.exit(main())
