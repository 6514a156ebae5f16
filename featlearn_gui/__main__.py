"""`python -m featlearn_gui`: the desktop app (the same as `featlearn-gui`)."""

import sys

if __name__ == "__main__":  # a spawned training process must not start the app again
    from featlearn_gui.app import main

    sys.exit(main())
