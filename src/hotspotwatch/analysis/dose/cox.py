"""The stratified Cox likelihood of the Koper curve: Efron ties on one binary covariate, its
Newton fit and the profile over thresholds and durations (split from :mod:`.deterrence`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from hotspotwatch.analysis.dose.deterrence import FollowUps

#: Bound on the log hazard ratio in the Newton fit.
BETA_BOUND = 12.0


class _Profile:
    """Efron log partial likelihood of the one-covariate model over the (T, D) grid.

    Risk sets do not depend on (T, D): a follow-up is at risk at its stratum's event time
    ``tau`` while ``time >= tau``. Only the number of at-risk (and of tied failing) follow-ups
    with ``z = 1`` does: those from sessions longer than ``T``, and only for ``tau <= D``.
    """

    def __init__(self, f: FollowUps) -> None:
        t = f.time_min
        s = f.stratum.astype(np.int64)
        big = float(t.max() + 1.0) if t.size else 1.0
        self.big = big
        self.key_all = np.sort(s * big + t)
        ev = f.event
        ekey = s[ev] * big + t[ev]
        uniq, inverse, m = np.unique(ekey, return_inverse=True, return_counts=True)
        self.tau_key = uniq
        self.tau = uniq - np.floor(uniq / big) * big
        self.stratum_of_tau = np.floor(uniq / big).astype(np.int64)
        self.m = m.astype(float)
        self.n = self._at_risk(self.key_all)
        self.ev_inverse = inverse
        self.ev_length = f.length_min[ev]
        self.length = f.length_min
        self.key_each = s * big + t
        # Efron terms: one row per (tie group, k)
        self.rep = np.repeat(np.arange(uniq.size), m)
        self.frac = (np.arange(self.rep.size) - np.repeat(np.cumsum(m) - m, m)) / np.repeat(m, m)

    def _at_risk(self, sorted_keys: np.ndarray) -> np.ndarray:
        """Follow-ups of the stratum with time >= tau, for each event time tau."""
        stratum_end = (self.stratum_of_tau + 1) * self.big
        return (
            np.searchsorted(sorted_keys, stratum_end, side="left")
            - np.searchsorted(sorted_keys, self.tau_key, side="left")
        ).astype(float)

    def counts(self, threshold: float) -> tuple[np.ndarray, np.ndarray]:
        """``n1`` (at risk, long session) and ``m1`` (failing, long session) per event time."""
        long_keys = np.sort(self.key_each[self.length > threshold])
        n1 = self._at_risk(long_keys)
        m1 = np.bincount(
            self.ev_inverse,
            weights=(self.ev_length > threshold).astype(float),
            minlength=self.tau.size,
        )
        return n1, m1

    def loglik(self, beta: float, n1: np.ndarray, m1: np.ndarray) -> float:
        return float(_efron(np.array([beta]), self.n, n1, self.m, m1, self.rep, self.frac)[0][0])

    def fit(self, n1: np.ndarray, m1: np.ndarray) -> tuple[float, float, float]:
        """``(beta, loglik, information)`` maximising the Efron likelihood (bounded)."""
        return _newton(self.n, n1, self.m, m1, self.rep, self.frac)


def _efron(
    beta: np.ndarray,
    n: np.ndarray,
    n1: np.ndarray,
    m: np.ndarray,
    m1: np.ndarray,
    rep: np.ndarray,
    frac: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Log-likelihood, score and information at each ``beta`` (vectorised over beta)."""
    b = beta[:, None]
    eb = np.exp(b)
    n0 = (n - n1)[rep]
    m0 = (m - m1)[rep]
    a = n0 + n1[rep] * eb - frac * (m0 + m1[rep] * eb)
    da = eb * (n1[rep] - frac * m1[rep])
    a = np.maximum(a, 1e-300)
    r = da / a
    ll = b[:, 0] * m1.sum() - np.log(a).sum(axis=1)
    score = m1.sum() - r.sum(axis=1)
    info = (r - r * r).sum(axis=1)
    return ll, score, info


def _newton(
    n: np.ndarray,
    n1: np.ndarray,
    m: np.ndarray,
    m1: np.ndarray,
    rep: np.ndarray,
    frac: np.ndarray,
) -> tuple[float, float, float]:
    if m1.sum() == 0 and n1.sum() == 0:
        ll = _efron(np.array([0.0]), n, n1, m, m1, rep, frac)[0][0]
        return 0.0, float(ll), 0.0
    beta = 0.0
    ll, score, info = (v[0] for v in _efron(np.array([beta]), n, n1, m, m1, rep, frac))
    for _ in range(100):
        step = score / info if info > 1e-12 else np.sign(score) * 1.0
        new = float(np.clip(beta + step, -BETA_BOUND, BETA_BOUND))
        ll_new, s_new, i_new = (v[0] for v in _efron(np.array([new]), n, n1, m, m1, rep, frac))
        halvings = 0
        while ll_new < ll - 1e-12 and halvings < 30:  # concave: halve until it improves
            new = (beta + new) / 2
            ll_new, s_new, i_new = (v[0] for v in _efron(np.array([new]), n, n1, m, m1, rep, frac))
            halvings += 1
        done = abs(new - beta) < 1e-10 or abs(s_new) < 1e-10
        beta, ll, score, info = new, ll_new, s_new, i_new
        if done or abs(beta) >= BETA_BOUND:
            break
    return float(beta), float(ll), float(info)


# --------------------------------------------------------------------------- results
