"""`python -m featlearn_gui.export RUN.npz --out FILE ...`: the export command before `featlearn export` exists."""

import sys

from .command import main, parser

sys.exit(main(parser().parse_args()))
