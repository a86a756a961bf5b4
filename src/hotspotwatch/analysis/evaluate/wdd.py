"""Weighted displacement quotient (WDQ) and weighted displacement difference (WDD).

Both compare a treated place, the ring around it (buffer, where displacement or a diffusion
of benefits would show) and a control, before and after an intervention.

- WDQ: Bowers & Johnson (2003), *J. Quant. Criminol.* 19(3), 275–301, with the gross, net
  and total net effects of Guerette (2009), *Analyzing Crime Displacement and Diffusion*,
  POP Center Tool Guide 10, appendix B. Descriptive: no standard error.
- WDD: Wheeler & Ratcliffe (2018), *Crime Science* 7:11 — the difference-in-differences of
  counts with a Poisson (normal-approximation) standard error, optional time and area
  weights, and harm-weighted combination across crime types (R package ``ptools``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from hotspotwatch.analysis._result import ResultMixin

Pair = tuple[float, float]


def _pair(name: str, value: Sequence[float] | None, *, allow_none: bool = False) -> Pair:
    if value is None:
        if allow_none:
            return (0.0, 0.0)
        raise ValueError(f"{name} is required: give (before, after) counts")
    if len(value) != 2:
        raise ValueError(f"{name} must be a (before, after) pair of counts, got {value!r}")
    before, after = float(value[0]), float(value[1])
    if before < 0 or after < 0 or not (math.isfinite(before) and math.isfinite(after)):
        raise ValueError(f"{name} counts must be finite and non-negative, got {value!r}")
    return before, after


@dataclass(frozen=True)
class WDQResult(ResultMixin):
    """Weighted displacement quotient and effect measures.

    Attributes
    ----------
    success_measure : float
        :math:`R_a/C_a - R_b/C_b`; negative means the treated area improved relative to the
        control (Bowers & Johnson 2003).
    buffer_measure : float
        :math:`D_a/C_a - D_b/C_b`; positive suggests displacement, negative diffusion.
    wdq : float
        ``buffer_measure / success_measure``; meaningful only when ``success_measure < 0``.
        Positive: diffusion of benefits (above 1: diffusion larger than the direct effect);
        between 0 and -1: some displacement, smaller than the gain; below -1: displacement
        erased the gain (Guerette 2009, appendix C). NaN if ``success_measure == 0``.
    gross_effect : float
        :math:`GE = R_b - R_a` (events fewer in the treated area; positive = decrease).
    net_effect : float
        :math:`NE = R_b/C_b - R_a/C_a` (Guerette 2009, eq. 2; positive = decrease relative
        to the control).
    target_net_effect : float
        :math:`R_b (C_a/C_b) - R_a`: events prevented in the treated area, in counts.
    buffer_net_effect : float
        :math:`D_b (C_a/C_b) - D_a`: events prevented in the buffer (negative = displaced).
    total_net_effect : float
        :math:`TNE = [R_b (C_a/C_b) - R_a] + [D_b (C_a/C_b) - D_a]` (Guerette 2009, eq. 4).
    """

    success_measure: float
    buffer_measure: float
    wdq: float
    gross_effect: float
    net_effect: float
    target_net_effect: float
    buffer_net_effect: float
    total_net_effect: float


def wdq(
    *,
    target: Sequence[float],
    buffer: Sequence[float],
    control: Sequence[float],
) -> WDQResult:
    """Weighted displacement quotient of Bowers & Johnson (2003).

    Parameters
    ----------
    target : (before, after)
        Counts in the treated (response) area :math:`R_b, R_a`.
    buffer : (before, after)
        Counts in the buffer ring :math:`D_b, D_a`.
    control : (before, after)
        Counts in the control (comparison) area :math:`C_b, C_a`; both must be positive.

    Returns
    -------
    WDQResult

    Notes
    -----
    .. math:: WDQ = \\frac{D_a/C_a - D_b/C_b}{R_a/C_a - R_b/C_b}

    The WDQ has no sampling distribution; use :func:`wdd` for a standard error.

    Examples
    --------
    >>> r = wdq(target=(100, 50), buffer=(80, 60), control=(200, 200))
    >>> [round(v, 3) for v in (r.success_measure, r.buffer_measure, r.wdq, r.total_net_effect)]
    [-0.25, -0.1, 0.4, 70.0]
    """
    rb, ra = _pair("target", target)
    db, da = _pair("buffer", buffer)
    cb, ca = _pair("control", control)
    if cb <= 0 or ca <= 0:
        raise ValueError(
            f"control counts must be positive before and after (got {control!r}); "
            "choose a larger control area"
        )
    success = ra / ca - rb / cb
    buffer_m = da / ca - db / cb
    target_net = rb * (ca / cb) - ra
    buffer_net = db * (ca / cb) - da
    return WDQResult(
        success_measure=success,
        buffer_measure=buffer_m,
        wdq=buffer_m / success if success != 0 else math.nan,
        gross_effect=rb - ra,
        net_effect=rb / cb - ra / ca,
        target_net_effect=target_net,
        buffer_net_effect=buffer_net,
        total_net_effect=target_net + buffer_net,
    )


@dataclass(frozen=True)
class WDDResult(ResultMixin):
    """Weighted displacement difference (Wheeler & Ratcliffe 2018).

    Attributes
    ----------
    local : float
        :math:`(T_1 - T_0) - (C_1 - C_0)` (weighted): change in the treated area beyond the
        control's change. Negative = fewer events than expected.
    local_se : float
        Its standard error.
    displacement : float
        :math:`(D_1 - D_0) - (DC_1 - DC_0)`: the same for the buffer against its control.
        Positive = displacement into the buffer, negative = diffusion of benefits.
        0 when no buffer is given.
    displacement_se : float
        Its standard error.
    estimate : float
        Total WDD = ``local + displacement`` (net events prevented, negative = reduction).
    se : float
        Standard error of the total.
    z : float
        ``estimate / se``.
    p_value : float
        Two-sided normal p-value.
    ci_low, ci_high : float
        ``1 - alpha`` normal interval for the total.
    alpha : float
        Level.
    local_ci_low, local_ci_high : float
        ``1 - alpha`` normal interval for ``local`` (the place itself).
    scaling : str
        ``"none"`` (:func:`wdd`: the controls as given, Wheeler & Ratcliffe's comparable
        areas) or ``"pre_level"`` (:func:`wdd_scaled`: each control scaled to the
        pre-period level of the area it stands for).
    control_scale, buffer_control_scale : float
        The factors applied to the control and to the buffer's control
        (``"pre_level"``: :math:`T_0/C_0` and :math:`D_0/C_0`; NaN otherwise).
    """

    local: float
    local_se: float
    displacement: float
    displacement_se: float
    estimate: float
    se: float
    z: float
    p_value: float
    ci_low: float
    ci_high: float
    alpha: float
    local_ci_low: float = math.nan
    local_ci_high: float = math.nan
    scaling: str = "none"
    control_scale: float = math.nan
    buffer_control_scale: float = math.nan


def _weights(name: str, value: Sequence[float] | None, n: int) -> tuple[float, ...]:
    if value is None:
        return (1.0,) * n
    if len(value) != n:
        raise ValueError(f"{name} must have {n} positive values, got {value!r}")
    out = tuple(float(v) for v in value)
    if any(not (v > 0 and math.isfinite(v)) for v in out):
        raise ValueError(f"{name} must be positive and finite, got {value!r}")
    return out


def wdd(
    *,
    target: Sequence[float],
    control: Sequence[float],
    buffer: Sequence[float] | None = None,
    buffer_control: Sequence[float] | None = None,
    time_weights: Sequence[float] | None = None,
    area_weights: Sequence[float] | None = None,
    alpha: float = 0.05,
) -> WDDResult:
    """Weighted displacement difference test.

    Parameters
    ----------
    target : (before, after)
        Counts in the treated area.
    control : (before, after)
        Counts in the control area matched to it.
    buffer : (before, after), optional
        Counts in the displacement (buffer) area; omitted = no displacement term.
    buffer_control : (before, after), optional
        Counts in the control for the buffer; required if ``buffer`` is given.
    time_weights : (before, after), optional
        Lengths of the two periods (e.g. ``(12, 21)`` months); the estimate is then per
        unit time.
    area_weights : (target, control, buffer, buffer_control), optional
        Areas (or populations); the estimate is then per unit area. Note the order differs
        from ``ptools::wdd`` (control, treated, disp_control, disp_treated).
    alpha : float
        One minus the confidence level (``ptools`` defaults to 0.1; we use 0.05).

    Returns
    -------
    WDDResult

    Notes
    -----
    With weights :math:`w_{g,p} = \\tau_p a_g`,

    .. math:: WDD = \\sum_g s_g (Y_{g,1}/w_{g,1} - Y_{g,0}/w_{g,0}),\\quad
              \\mathrm{Var} = \\sum_{g,p} Y_{g,p} / w_{g,p}^2

    with :math:`s_g = +1` for treated and buffer, :math:`-1` for their controls
    (Wheeler & Ratcliffe 2018; counts taken as Poisson, so beware of overdispersion).

    Examples
    --------
    >>> r = wdd(target=(100, 80), control=(100, 90))
    >>> r.estimate, round(r.se, 2)
    (-10.0, 19.24)
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    if (buffer is None) != (buffer_control is None):
        raise ValueError("give both buffer and buffer_control, or neither")
    t = _pair("target", target)
    c = _pair("control", control)
    d = _pair("buffer", buffer, allow_none=True)
    dc = _pair("buffer_control", buffer_control, allow_none=True)
    tw = _weights("time_weights", time_weights, 2)
    aw = _weights("area_weights", area_weights, 4)

    def diff(counts: Pair, area: float) -> tuple[float, float]:
        w0, w1 = tw[0] * area, tw[1] * area
        return counts[1] / w1 - counts[0] / w0, counts[1] / w1**2 + counts[0] / w0**2

    dt, vt = diff(t, aw[0])
    dcn, vc = diff(c, aw[1])
    dd, vd = diff(d, aw[2])
    ddc, vdc = diff(dc, aw[3])
    local, var_local = dt - dcn, vt + vc
    disp, var_disp = dd - ddc, vd + vdc
    est, var = local + disp, var_local + var_disp
    se = math.sqrt(var)
    z = est / se if se > 0 else math.nan
    level = float(stats.norm.isf(alpha / 2))
    return WDDResult(
        local=local,
        local_se=math.sqrt(var_local),
        displacement=disp,
        displacement_se=math.sqrt(var_disp),
        estimate=est,
        se=se,
        z=z,
        p_value=float(2 * stats.norm.sf(abs(z))) if se > 0 else math.nan,
        ci_low=est - level * se,
        ci_high=est + level * se,
        alpha=float(alpha),
        local_ci_low=local - level * math.sqrt(var_local),
        local_ci_high=local + level * math.sqrt(var_local),
    )


def _scaled_diff(
    treated: Pair, control: Pair, v_t: Pair | None = None, v_c: Pair | None = None
) -> tuple[float, float, float]:
    """``T1 - T0 C1/C0``, its delta-method variance and the scale ``T0/C0``.

    ``v_t``, ``v_c``: variances of the (before, after) totals; default the counts
    themselves (Poisson).
    """
    t0, t1 = treated
    c0, c1 = control
    if c0 <= 0:
        return math.nan, math.nan, math.nan
    vt0, vt1 = v_t if v_t is not None else treated
    vc0, vc1 = v_c if v_c is not None else control
    r = c1 / c0
    s = t0 / c0
    est = t1 - t0 * r
    var = vt1 + r**2 * vt0 + s**2 * vc1 + (s * r) ** 2 * vc0
    return est, var, s


def wdd_scaled(
    *,
    target: Sequence[float],
    control: Sequence[float],
    buffer: Sequence[float] | None = None,
    buffer_control: Sequence[float] | None = None,
    time_weights: Sequence[float] | None = None,
    alpha: float = 0.05,
    variances: Mapping[str, Sequence[float]] | None = None,
) -> WDDResult:
    """WDD with each control scaled to the pre-period level of the area it stands for.

    Wheeler & Ratcliffe (2018, *Crime Science* 7:11) subtract the control's change from the
    treated area's change, which is only meaningful when the control area is comparable to
    the treated one (similar counts before). A control made of many grid cells is not: its
    change, summed over hundreds of cells, swamps a single perimeter's change (a WDD of
    -164 beside an "increase"). Here the control is first scaled to the treated area's
    pre-period level, :math:`C_p \\cdot T_0 / C_0`, so that it says what the treated area
    would have counted had it followed the control's trend.

    Parameters
    ----------
    target : (before, after)
        Counts in the treated area :math:`T_0, T_1`.
    control : (before, after)
        Counts in its control :math:`C_0, C_1` (any size; ``C_0 > 0``).
    buffer : (before, after), optional
        Counts in the displacement (buffer) area :math:`D_0, D_1`.
    buffer_control : (before, after), optional
        Counts in the buffer's own control; omitted = the buffer is compared with
        ``control`` (the same cells; their covariance is taken into account).
    time_weights : (before, after), optional
        Lengths of the two periods (e.g. months); the estimates are then per unit time of
        the post-period.
    alpha : float
        One minus the confidence level.
    variances : mapping, optional
        ``{"target": (v0, v1), "control": ..., "buffer": ..., "buffer_control": ...}``:
        variances of the totals when they are not Poisson counts, e.g. sums of squared
        harm weights for harm-weighted totals (Wheeler 2020); missing keys are Poisson.

    Returns
    -------
    WDDResult
        ``local`` is the place itself, ``displacement`` its buffer, ``estimate`` both;
        ``scaling == "pre_level"``; ``control_scale = T0/C0`` and
        ``buffer_control_scale = D0/C0`` (or ``D0/DC0``). NaN when a control has no event
        before.

    Notes
    -----
    With :math:`\\tau_1` the post-period length (1 without time weights),

    .. math::
        WDD_{local} = \\frac{(T_1 - T_0) - \\frac{T_0}{C_0}(C_1 - C_0)}{\\tau_1}
                    = \\frac{T_1 - T_0 C_1 / C_0}{\\tau_1}

    (the time weights of the pre-period cancel in :math:`C_1/C_0`), which is also minus
    the target net effect of Guerette (2009) per post-period unit. The displacement term is
    the same with :math:`D` for :math:`T` (and the buffer's control, if given); the total is
    their sum. Its variance is the delta-method (by default Poisson) variance, the scale
    :math:`T_0/C_0` being estimated too:

    .. math::
        \\tau_1^2 \\mathrm{Var} = T_1 + r^2 T_0 + s^2 C_1 + (s r)^2 C_0,\\quad
        r = C_1/C_0,\\ s = T_0/C_0

    and for the total with a shared control, the same with :math:`A = T + D` for
    :math:`T`. The estimate does not depend on the control's size (a control with 100
    times the counts and the same trend gives the same WDD); a larger control gives a
    smaller variance. Its sign is that of :math:`\\log[(T_1/T_0)/(C_1/C_0)]`, the
    Poisson difference-in-differences rate ratio on the same counts, so the WDD cannot
    point against the verdict. Counts are taken as Poisson unless ``variances`` are given:
    with overdispersion the interval is too narrow.

    Examples
    --------
    >>> small = wdd_scaled(target=(100, 130), control=(100, 110))
    >>> large = wdd_scaled(target=(100, 130), control=(10000, 11000))
    >>> round(small.local, 9), round(large.local, 9)
    (20.0, 20.0)
    >>> large.local_se < small.local_se
    True
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    t = _pair("target", target)
    c = _pair("control", control)
    tw = _weights("time_weights", time_weights, 2)
    tau = tw[1]
    v = {k: _pair(f"variances[{k!r}]", val) for k, val in (variances or {}).items()}
    unknown = set(v) - {"target", "control", "buffer", "buffer_control"}
    if unknown:
        raise ValueError(f"variances: unknown key(s) {sorted(unknown)}")
    local, var_local, s_t = _scaled_diff(t, c, v.get("target"), v.get("control"))
    if buffer is None:
        if buffer_control is not None:
            raise ValueError("buffer_control given without buffer")
        disp, var_disp, s_b = 0.0, 0.0, math.nan
        est, var = local, var_local
    else:
        d = _pair("buffer", buffer)
        if buffer_control is None:
            disp, var_disp, s_b = _scaled_diff(d, c, v.get("buffer"), v.get("control"))
            vt, vd = v.get("target", t), v.get("buffer", d)
            est, var, _ = _scaled_diff(
                (t[0] + d[0], t[1] + d[1]), c, (vt[0] + vd[0], vt[1] + vd[1]), v.get("control")
            )
        else:
            dc = _pair("buffer_control", buffer_control)
            disp, var_disp, s_b = _scaled_diff(d, dc, v.get("buffer"), v.get("buffer_control"))
            est, var = local + disp, var_local + var_disp
    level = float(stats.norm.isf(alpha / 2))
    se = math.sqrt(var) / tau if math.isfinite(var) else math.nan
    local_se = math.sqrt(var_local) / tau if math.isfinite(var_local) else math.nan
    est, local, disp = est / tau, local / tau, disp / tau
    z = est / se if se > 0 else math.nan
    return WDDResult(
        local=local,
        local_se=local_se,
        displacement=disp,
        displacement_se=math.sqrt(var_disp) / tau if math.isfinite(var_disp) else math.nan,
        estimate=est,
        se=se,
        z=z,
        p_value=float(2 * stats.norm.sf(abs(z))) if se > 0 else math.nan,
        ci_low=est - level * se,
        ci_high=est + level * se,
        alpha=float(alpha),
        local_ci_low=local - level * local_se,
        local_ci_high=local + level * local_se,
        scaling="pre_level",
        control_scale=s_t,
        buffer_control_scale=s_b,
    )


@dataclass(frozen=True)
class WDDHarmResult(ResultMixin):
    """Harm-weighted combination of WDD estimates across crime types.

    Attributes
    ----------
    estimate : float
        :math:`\\sum_k h_k WDD_k`.
    se : float
        :math:`\\sqrt{\\sum_k h_k^2 SE_k^2}`.
    z, p_value, ci_low, ci_high, alpha : float
        Normal inference for the combined estimate.
    """

    estimate: float
    se: float
    z: float
    p_value: float
    ci_low: float
    ci_high: float
    alpha: float


def wdd_harm(
    estimates: ArrayLike, se: ArrayLike, weights: ArrayLike, *, alpha: float = 0.05
) -> WDDHarmResult:
    """Combine WDD estimates of several crime types with harm weights.

    Parameters
    ----------
    estimates : array_like
        WDD estimates per crime type (e.g. ``WDDResult.local``).
    se : array_like
        Their standard errors.
    weights : array_like
        Harm weights (e.g. from the workspace taxonomy).
    alpha : float
        One minus the confidence level.

    Returns
    -------
    WDDHarmResult

    Notes
    -----
    Crime types are taken as independent (Wheeler 2020, "Amending the WDD test to
    incorporate harm weights"; ``ptools::wdd_harm``).

    Examples
    --------
    >>> r = wdd_harm([-10, 5], [6.0, 8.0], [10, 1])
    >>> r.estimate, round(r.se, 2)
    (-95.0, 60.53)
    """
    est = np.asarray(estimates, dtype=float)
    s = np.asarray(se, dtype=float)
    w = np.asarray(weights, dtype=float)
    if not (est.shape == s.shape == w.shape) or est.ndim != 1:
        raise ValueError("estimates, se and weights must be 1-d arrays of the same length")
    if np.any(s < 0) or np.any(w < 0):
        raise ValueError("se and weights must be non-negative")
    total = float(np.sum(est * w))
    total_se = float(np.sqrt(np.sum((s * w) ** 2)))
    z = total / total_se if total_se > 0 else math.nan
    level = float(stats.norm.isf(alpha / 2))
    return WDDHarmResult(
        estimate=total,
        se=total_se,
        z=z,
        p_value=float(2 * stats.norm.sf(abs(z))) if total_se > 0 else math.nan,
        ci_low=total - level * total_se,
        ci_high=total + level * total_se,
        alpha=float(alpha),
    )
