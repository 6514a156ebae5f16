"""Shared test settings: one torch thread (the suite runs beside other work on 2 cores), offscreen Qt."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import torch  # noqa: E402

torch.set_num_threads(1)
