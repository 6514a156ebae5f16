"""The app's one palette and its lists of names, shared by the screen, the export dashboard and the figures.

Okabe-Ito hues (safe for the common colour-vision deficiencies) on white. Colours are hex strings; `rgba`
converts one for the OpenGL and scene code, which works in floats.
"""

from __future__ import annotations

BACKGROUND = "#ffffff"
FOREGROUND = "#3c3f44"
CURSOR = "#5a5a5a"
POSITIVE = "#E69F00"  # a > 0: orange, on the sphere, in the plots and in exports alike
NEGATIVE = "#0072B2"  # a < 0: blue
LOSS = "#0072B2"
POPULATION_LOSS = "#009E73"  # the exact loss beside a finite-sample run's training loss
OBJECTIVE = "#D55E00"
WEIGHT_DECAY = "#CC79A7"
FAR_MASS = "#D55E00"
ANGLE = "#009E73"
SPAN = "#56B4E9"  # the share of the mass in the teacher span
PRE_CERTIFICATE = "#8c8c8c"
LIVE_CERTIFICATE = "#222222"
TEACHERS = ("#009E73", "#CC79A7", "#56B4E9", "#E69F00", "#D55E00", "#0072B2", "#999999", "#000000")
# One colour per run of a window (its sphere's header, its curves, its table row), in the order of the runs.
RUNS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999999")
FAILED = "#c62828"
# Neuron roles (colour mode "role"): a captured neuron takes its teacher's colour (teacher_colour); these two are
# for the rest. Far is near-black so the mass that stays away from every teacher is the darkest thing on the sphere.
FAR = "#1b1b1b"
INACTIVE = "#a6a6a6"

# auto: OpenGL where a context works, else projected; map: the whole sphere at once (equal-area Hammer map)
RENDERERS = ("auto", "gl", "projected", "map")
COLOUR_MODES = ("role", "sign")  # role: captured by teacher i / far / inactive; sign: the sign of a
CERTIFICATES = ("off", "live", "pre")
CONTENTS = ("sphere", "dashboard")  # what a picture shows: the sphere, or the sphere beside the plots


def teacher_colour(i: int) -> str:
    return TEACHERS[i % len(TEACHERS)]


def run_colour(i: int) -> str:
    return RUNS[i % len(RUNS)]


def rgba(colour: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    """'#rrggbb' as (r, g, b, a) floats in [0, 1]."""
    return (*(int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)), alpha)
