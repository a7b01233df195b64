"""numpy equivalents for the small arrays of one update cycle, where the library calls' Python overhead (not
their arithmetic) is the cost: the same answers, bit for bit, at a fraction of the time."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]

_BIG = float(np.finfo(np.float64).max)


def fill_nan(a: F64, nan: float = 0.0) -> F64:
    """``np.nan_to_num(a, nan=nan)`` of a float64 array, bit for bit (infinities become +-max float), at a
    fraction of its cost on the small arrays of one cycle (nan_to_num is mostly Python overhead there)."""
    out = np.where(np.isnan(a), nan, a)
    if np.isinf(a).any():
        out[a == np.inf] = _BIG
        out[a == -np.inf] = -_BIG
    return out


def member(a: npt.ArrayLike, b: npt.ArrayLike) -> B:
    """``np.isin(a, b)`` of integer arrays (1-D a), by binary search in sorted b: asked of small arrays every
    cycle, where np.isin's sorting of both sides and its Python overhead dominate."""
    a_, b_ = np.asarray(a), np.asarray(b)
    if not len(b_):
        return np.zeros(len(a_), bool)
    s = np.sort(b_)
    return s[np.minimum(np.searchsorted(s, a_), len(s) - 1)] == a_


BRUTE_PAIRS = 20_000  # `within_count` and `near_any` compare every pair up to this many, else ask a KD-tree


def within_count(q_x: F64, q_y: F64, p_x: F64, p_y: F64, r: float) -> npt.NDArray[np.int64]:
    """Per query point, the points of p within r (d <= r): ``cKDTree(p).query_ball_point(q, r,
    return_length=True)``, the same answers bit for bit (both compare dx² + dy² with r²), every pair compared
    while there are few, which on the small sets of one scan or cycle costs a fraction of building the tree."""
    if len(q_x) == 0 or len(p_x) == 0:
        return np.zeros(len(q_x), np.int64)
    if len(q_x) * len(p_x) > BRUTE_PAIRS:
        from scipy.spatial import cKDTree

        q = np.column_stack([q_x, q_y])
        return np.asarray(cKDTree(np.column_stack([p_x, p_y])).query_ball_point(q, r, return_length=True), np.int64)
    dx = q_x[:, None] - p_x[None, :]
    dy = q_y[:, None] - p_y[None, :]
    return np.asarray(((dx * dx + dy * dy) <= r * r).sum(axis=1), np.int64)


def near_any(q_x: F64, q_y: F64, p_x: F64, p_y: F64, r: float, *, strict: bool) -> B:
    """Per query point: is a point of p within r? `within_count` > 0 (d <= r), or with `strict`
    ``np.isfinite(cKDTree(p).query(q, distance_upper_bound=r)[0])`` (d < r), bit for bit as those, the pairs
    compared one by one while there are few."""
    if not strict:
        return within_count(q_x, q_y, p_x, p_y, r) > 0
    if len(q_x) == 0 or len(p_x) == 0:
        return np.zeros(len(q_x), bool)
    if len(q_x) * len(p_x) > BRUTE_PAIRS:
        from scipy.spatial import cKDTree

        tree = cKDTree(np.column_stack([p_x, p_y]))
        return np.asarray(np.isfinite(tree.query(np.column_stack([q_x, q_y]), distance_upper_bound=r)[0]), bool)
    dx = q_x[:, None] - p_x[None, :]
    dy = q_y[:, None] - p_y[None, :]
    return np.asarray(((dx * dx + dy * dy) < r * r).any(axis=1), bool)
