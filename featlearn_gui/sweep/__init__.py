"""Sweeps in the app: the `featlearn sweep` command (Qt-free) and the phase-diagram window (Qt).

Importing this package loads no Qt; `featlearn_gui.sweep.phase_window` does.
"""
