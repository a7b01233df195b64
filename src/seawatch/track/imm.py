"""Interacting Multiple Model filter with two nearly-constant-velocity modes, batched over tracks.

Mode 0 is the quiet cruise (low acceleration noise), mode 1 the manoeuvre (high acceleration noise: a
turn, or a go-fast boat accelerating). Each track carries both mode-conditioned estimates and the mode
probabilities; the tracker gates and reports on their moment-matched combination.
Arrays: ``xm (N, 2, 4)``, ``Pm (N, 2, 4, 4)``, ``mu (N, 2)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from seawatch.track import kalman, kernels
from seawatch.track.kalman import FloatArray

N_MODES = 2
BIRTH_MODE_PROB = np.array([0.8, 0.2])


@dataclass(frozen=True, slots=True)
class ImmState:
    xm: FloatArray   # (N, 2, 4)
    Pm: FloatArray   # (N, 2, 4, 4)
    mu: FloatArray   # (N, 2)

    @staticmethod
    def empty() -> ImmState:
        return ImmState(np.empty((0, N_MODES, 4)), np.empty((0, N_MODES, 4, 4)), np.empty((0, N_MODES)))

    @staticmethod
    def born(x: FloatArray, p: FloatArray) -> ImmState:
        n = len(x)
        return ImmState(np.repeat(x[:, None], N_MODES, axis=1), np.repeat(p[:, None], N_MODES, axis=1),
                        np.tile(BIRTH_MODE_PROB, (n, 1)))

    def with_born(self, x: FloatArray, p: FloatArray) -> ImmState:
        """``concat(self, born(x, p))`` in one allocation per array."""
        n, k = len(self.mu), len(x)
        xm, pm, mu = np.empty((n + k, N_MODES, 4)), np.empty((n + k, N_MODES, 4, 4)), np.empty((n + k, N_MODES))
        xm[:n], pm[:n], mu[:n] = self.xm, self.Pm, self.mu
        xm[n:], pm[n:], mu[n:] = x[:, None], p[:, None], BIRTH_MODE_PROB
        return ImmState(xm, pm, mu)

    @staticmethod
    def concat(a: ImmState, b: ImmState) -> ImmState:
        return ImmState(np.concatenate([a.xm, b.xm]), np.concatenate([a.Pm, b.Pm]),
                        np.concatenate([a.mu, b.mu]))

    def take(self, idx: npt.NDArray[np.intp] | npt.NDArray[np.bool_]) -> ImmState:
        return ImmState(self.xm[idx], self.Pm[idx], self.mu[idx])


def _moment_match(w: FloatArray, xm: FloatArray, pm: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Weighted Gaussian mixture -> one Gaussian. w (N, K), xm (N, K, 4), pm (N, K, 4, 4)."""
    x = np.einsum("nk,nki->ni", w, xm)
    d = xm - x[:, None, :]
    p = np.einsum("nk,nkij->nij", w, pm + d[:, :, :, None] * d[:, :, None, :])
    return x, p


def transition_matrix(dt_s: float, switch_prob_per_s: float, return_prob_per_s: float | None = None) -> FloatArray:
    """Mode transition probabilities over dt_s: quiet -> manoeuvre at ``switch_prob_per_s``, manoeuvre ->
    quiet at ``return_prob_per_s`` (the same when None)."""
    a = min(switch_prob_per_s * dt_s, 0.5)
    b = a if return_prob_per_s is None else min(return_prob_per_s * dt_s, 0.5)
    return np.array([[1.0 - a, a], [b, 1.0 - b]])


def predict(st: ImmState, dt_s: float, q_modes: FloatArray, switch_prob_per_s: float,
            return_prob_per_s: float | None = None) -> ImmState:
    """Mix (interaction) and predict both modes dt_s ahead; mu becomes the predicted mode probability."""
    return predict_combined(st, dt_s, q_modes, switch_prob_per_s, return_prob_per_s)[0]


def predict_combined(st: ImmState, dt_s: float, q_modes: FloatArray, switch_prob_per_s: float,
                     return_prob_per_s: float | None = None,
                     jit: bool = kernels.ENABLED) -> tuple[ImmState, FloatArray, FloatArray]:
    """``predict`` and then ``combine``: (predicted state, x, P). In one compiled pass unless ``jit`` is off
    (the same numbers, bit for bit: ``kernels.imm_predict``)."""
    if not jit:
        out = predict_numpy(st, dt_s, q_modes, switch_prob_per_s, return_prob_per_s)
        return (out, *combine(out))
    n = len(st.mu)
    pi = transition_matrix(dt_s, switch_prob_per_s, return_prob_per_s)
    c = st.mu @ pi   # numpy's matmul (BLAS), as the reference
    xm, pm = np.empty_like(st.xm), np.empty_like(st.Pm)
    x, p = np.empty((n, 4)), np.empty((n, 4, 4))
    kernels.imm_predict(np.ascontiguousarray(st.xm), np.ascontiguousarray(st.Pm), np.ascontiguousarray(st.mu),
                        pi, np.ascontiguousarray(c), float(dt_s), kalman.cv_process_noise(dt_s, 1.0),
                        np.ascontiguousarray(q_modes, dtype=np.float64), xm, pm, x, p)
    return ImmState(xm, pm, c), x, p


def predict_numpy(st: ImmState, dt_s: float, q_modes: FloatArray, switch_prob_per_s: float,
                  return_prob_per_s: float | None = None) -> ImmState:
    """The numpy reference of ``predict``."""
    n = len(st.mu)
    pi = transition_matrix(dt_s, switch_prob_per_s, return_prob_per_s)
    c = st.mu @ pi                                           # (N, 2) predicted mode probabilities
    w = st.mu[:, :, None] * pi[None] / np.maximum(c[:, None, :], 1e-300)   # w[n, i, j] = mu_{i|j}
    xm = np.empty_like(st.xm)
    pm = np.empty_like(st.Pm)
    for j in range(N_MODES):
        xm[:, j], pm[:, j] = _moment_match(w[:, :, j], st.xm, st.Pm)
    q = np.broadcast_to(q_modes, (n, N_MODES)).reshape(-1)
    xf, pf = kalman.predict(xm.reshape(-1, 4), pm.reshape(-1, 4, 4), dt_s, q)
    return ImmState(xf.reshape(n, N_MODES, 4), pf.reshape(n, N_MODES, 4, 4), c)


def update(st: ImmState, idx: npt.NDArray[np.intp], z: FloatArray, r: FloatArray,
           jit: bool = kernels.ENABLED) -> ImmState:
    """Update tracks ``idx`` (distinct) with plots ``z`` (rows pair up); r is (2, 2) or (K, 2, 2)."""
    if not jit:
        return update_numpy(st, idx, z, r)
    k = len(idx)
    xm, pm, mu = st.xm.copy(), st.Pm.copy(), st.mu.copy()
    rr = np.ascontiguousarray(np.broadcast_to(r, (k, 2, 2)), dtype=np.float64)
    d2, det = np.empty((k, N_MODES)), np.empty((k, N_MODES))
    kernels.imm_update_modes(xm, pm, np.ascontiguousarray(idx, dtype=np.intp),
                             np.ascontiguousarray(z, dtype=np.float64), rr, d2, det)
    _update_mode_probs(mu, idx, d2, det)
    return ImmState(xm, pm, mu)


def _update_mode_probs(mu: FloatArray, idx: npt.NDArray[np.intp], d2: FloatArray, det: FloatArray) -> None:
    """Bayes on the mode probabilities of tracks idx, from each mode's innovation (d2, det: (K, 2))."""
    loglik = -0.5 * (d2 + np.log(det))
    loglik -= loglik.max(axis=1, keepdims=True)
    w = mu[idx] * np.exp(loglik)
    mu[idx] = w / w.sum(axis=1, keepdims=True)


def update_numpy(st: ImmState, idx: npt.NDArray[np.intp], z: FloatArray, r: FloatArray) -> ImmState:
    """The numpy reference of ``update``."""
    k = len(idx)
    xm, pm, mu = st.xm.copy(), st.Pm.copy(), st.mu.copy()
    xs = xm[idx].reshape(-1, 4)
    ps = pm[idx].reshape(-1, 4, 4)
    zz = np.repeat(z, N_MODES, axis=0)
    rr = r if r.ndim == 2 else np.repeat(r, N_MODES, axis=0)
    s = kalman.innovation_cov(ps, rr)
    _, det = kalman.inv2(s)
    xu, pu, d2 = kalman.update(xs, ps, zz, rr)
    _update_mode_probs(mu, idx, d2.reshape(k, N_MODES), det.reshape(k, N_MODES))
    xm[idx] = xu.reshape(k, N_MODES, 4)
    pm[idx] = pu.reshape(k, N_MODES, 4, 4)
    return ImmState(xm, pm, mu)


def combine(st: ImmState) -> tuple[FloatArray, FloatArray]:
    """The moment-matched (x, P) that the tracker gates and reports on."""
    return _moment_match(st.mu, st.xm, st.Pm)


def combine_rows(st: ImmState, rows: npt.NDArray[np.intp], x: FloatArray, p: FloatArray,
                 jit: bool = kernels.ENABLED) -> None:
    """``combine`` of the given rows only, written into x and P (rows of a state whose other rows did not
    change since x and P were combined)."""
    if not jit:
        xr, pr = combine(st)
        x[rows], p[rows] = xr[rows], pr[rows]
        return
    kernels.moment_match_rows(st.xm, st.Pm, st.mu, np.ascontiguousarray(rows, dtype=np.intp), x, p)
