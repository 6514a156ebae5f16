"""Compare regimes side by side: one sphere view per run, a shared camera, cursor and transport, overlaid plots.

Modules: `differences` (Qt-free: what differs between the runs' configs), `compare_run` (one run and its worker),
`compare_state` (the shared cursor and playback), `compare_session` (builds the runs, trains them in lock-step),
`run_view` (a run's sphere with its header and controls), `compare_transport`, `compare_plots`, `metrics_table`,
`compare_picker` (the "Compare with…" dialog), `compare_menu` (the main window's Compare menu) and
`compare_window` (assembles them).
"""
