"""A plain numpy implementation of population GD, written straight from docs/theory.md §3 with full matrices.

It is the "careful researcher's own script" the engine is measured against: tests check that the torch trainer
follows the same trajectory, and `featlearn bench` times both.
"""

from __future__ import annotations

import numpy as np

from .kernels import kappa, kappa_prime


def loss_and_grads(W: np.ndarray, a: np.ndarray, tw: np.ndarray, ta: np.ndarray, activation: str):
    """L, ∂L/∂W, ∂L/∂a from the kernel matrices G, C, G* and ∇_w K(w, v) = ‖v‖[κ ŵ + κ'(v̂ − u ŵ)]."""
    r = np.linalg.norm(W, axis=1)
    Wh = W / np.where(r > 0, r, 1.0)[:, None]
    U = np.clip(Wh @ Wh.T, -1, 1)
    Us = np.clip(Wh @ tw.T, -1, 1)
    G = np.outer(r, r) * kappa(U, activation)
    C = r[:, None] * kappa(Us, activation)
    Gs = kappa(np.clip(tw @ tw.T, -1, 1), activation)
    loss = 0.5 * (a @ G @ a - 2 * a @ C @ ta + ta @ Gs @ ta)
    grad_a = G @ a - C @ ta
    # Σ_l a_l ∇_{w_j} K(w_j, w_l) − Σ_i a_i* ∇_{w_j} K(w_j, w_i*), with the kernel's two pieces written out.
    kp, kps = kappa_prime(U, activation), kappa_prime(Us, activation)
    coef_self = (kappa(U, activation) - U * kp) * (a * r)[None, :]
    coef_teach = (kappa(Us, activation) - Us * kps) * ta[None, :]
    radial = coef_self.sum(1) - coef_teach.sum(1)
    tangential = (kp * (a * r)[None, :]) @ Wh - (kps * ta[None, :]) @ tw
    grad_W = a[:, None] * (radial[:, None] * Wh + tangential)
    return loss, grad_W, grad_a


def gd(W, a, tw, ta, activation: str, lr: float, weight_decay, steps: int):
    """Plain GD on L + λ(t)/2 (‖a‖² + ‖W‖²) for `steps` steps; weight_decay is a function of the step."""
    W, a = W.copy(), a.copy()
    losses = []
    for t in range(steps):
        loss, gW, ga = loss_and_grads(W, a, tw, ta, activation)
        losses.append(loss)
        lam = weight_decay(t)
        W -= lr * (gW + lam * W)
        a -= lr * (ga + lam * a)
    return W, a, np.array(losses)
