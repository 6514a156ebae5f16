"""Parameter sweeps on Dask: a grid of runs from a sweep file, run locally or on a cluster, summarized in
results.csv and aggregated into phase diagrams. Qt-free.

Modules: grid (sweep file -> validated grid of configs), task (one run on a worker), summary (the row's metrics),
cluster (LocalCluster or a scheduler address), runner (submission, progress, cancel, resume), results (the output
directory), phase (aggregation over two axes), builtin (resources/sweeps); adaptive sweeps: adaptive_spec (intervals
and [adaptive] in a sweep file), adaptive (python-adaptive learners placing the runs), boundary (boundary.csv),
boundary_bench (adaptive vs grid).
"""
