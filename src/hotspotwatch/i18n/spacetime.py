"""Plain-language summaries of Knox tables, near-repeat alerts and emerging hot spots.

Sentences are written here, from the labels and numbers of the analysis results (analysis
itself never imports i18n); the CLI, the report and the dashboard call these.

Like the Near Repeat Calculator's summary, but the bands are named as what they are
(half-open ``[a, b)``: "within 200 m" means closer than 200 m) and each sentence is in the
user's language (EN/FR/NL, catalogue ``i18n/catalogs/spacetime.toml``).
"""

from __future__ import annotations

import math

import numpy as np

from hotspotwatch.analysis.spacetime.alert import NearRepeatAlert
from hotspotwatch.analysis.spacetime.emerging import EmergingHotspotsResult
from hotspotwatch.analysis.spacetime.knox import SAME_EDGE, KnoxResult
from hotspotwatch.analysis.spacetime.results import KnoxRun
from hotspotwatch.i18n import format_number, plural, translate


def _num(value: float, lang: str, digits: int = 1) -> str:
    # At most ``digits`` decimals, none for a whole number, in the language's number format.
    return format_number(round(float(value), digits), lang, digits=None)


def _ratio(value: float, lang: str) -> str:
    # One decimal, more when that would round a raised ratio to 1: "1.02 times", not
    # "1 times" in a sentence saying the risk is raised.
    digits = 1
    while digits < 3 and value > 1 and round(float(value), digits) <= 1:
        digits += 1
    return _num(value, lang, digits=digits)


def _a(event: str, lang: str) -> str:
    """``event`` with its indefinite article in English ("an incident", "a shooting"); the
    French and Dutch texts carry their own ("d'un fait « {event} »")."""
    if lang != "en":
        return event
    return ("an " if event[:1].lower() in "aeiou" else "a ") + event


def _p(p: float, lang: str) -> str:
    text = f"{p:.3g}" if p >= 0.001 else f"{p:.1e}"
    return text.replace(".", ",") if lang in ("fr", "nl") else text


def _band(kind: str, a: float, b: float, lang: str, **params: str) -> str:
    if a == 0 and b == SAME_EDGE:
        return translate(f"spacetime.{kind}.same", lang, **params)
    lo = 0.0 if a == SAME_EDGE else a
    # Time bands count days, so their texts are plural tables (chosen by the band's number);
    # space bands count metres, whose symbol does not change.
    def say(form: str, count: float, **numbers: str) -> str:
        key = f"spacetime.{kind}.{form}"
        if kind == "time":
            return plural(key, count, lang, **numbers, **params)
        return translate(key, lang, **numbers, **params)

    if math.isinf(b):
        return say("beyond", lo, a=_num(lo, lang))
    if lo == 0:
        return say("within", b, b=_num(b, lang))
    return say("between", b, a=_num(lo, lang), b=_num(b, lang))


def knox_summary(
    result: KnoxResult,
    lang: str = "en",
    *,
    event: str = "event",
    alpha: float = 0.05,
    adjusted: bool = False,
) -> list[str]:
    """Sentences for the cells with more pairs than chance (p <= alpha, ratio > 1).

    Parameters
    ----------
    result : KnoxResult
        A Knox table with permutations.
    lang : {"en", "fr", "nl"}
    event : str
        Name of the event category in ``lang`` (e.g. "shooting", "fusillade").
    alpha : float
        Significance level.
    adjusted : bool
        Use the FDR-adjusted p-values.

    Returns
    -------
    list of str
        One sentence per elevated bounded cell (a near repeat needs a finite distance and
        delay), nearest space band and earliest time first, then a sentence on the
        method; a single "none" sentence when no such cell is elevated.

    Examples
    --------
    >>> import numpy as np
    >>> from hotspotwatch.analysis.spacetime.knox import knox
    >>> rng = np.random.default_rng(1)
    >>> x, y, t = rng.uniform(0, 4000, 500), rng.uniform(0, 4000, 500), rng.integers(0, 200, 500)
    >>> k = rng.choice(500, 150)
    >>> x = np.r_[x, x[k] + 30]; y = np.r_[y, y[k]]; t = np.r_[t, t[k] + 2]
    >>> res = knox(x, y, t, [0, 100, 200, np.inf], [0, 7, 14, np.inf], permutations=99, seed=1)
    >>> knox_summary(res, "en", event="shooting")[0]  # doctest: +ELLIPSIS
    'Within 100 m of a shooting, within 7 days, the chance of another shooting is ... times ...'
    """
    p = result.p_value_adjusted if adjusted else result.p_value
    sentences = []
    for i in range(result.observed.shape[0]):
        for j in range(result.observed.shape[1]):
            ratio = result.ratio[i, j]
            bounded = np.isfinite(result.space_bands[i + 1]) and \
                np.isfinite(result.time_bands[j + 1])
            if not (bounded and p[i, j] <= alpha and np.isfinite(ratio) and ratio > 1):
                continue
            space = _band("space", result.space_bands[i], result.space_bands[i + 1], lang,
                          event=_a(event, lang))
            time = _band("time", result.time_bands[j], result.time_bands[j + 1], lang)
            text = translate("spacetime.knox.sentence", lang, space=space, time=time,
                             event=event, ratio=_ratio(float(ratio), lang),
                             p=_p(float(p[i, j]), lang))
            sentences.append(text[0].upper() + text[1:])
    if not sentences:
        return [translate("spacetime.knox.none", lang, event=event, alpha=_p(alpha, lang))]
    sentences.append(translate(
        "spacetime.knox.method", lang,
        events=plural("common.n_events", result.n_events, lang),
        pairs=plural("common.n_pairs", result.n_pairs, lang),
        permutations=plural("common.n_permutations", result.permutations, lang),
        metric=translate(f"spacetime.metric.{result.metric}", lang)))
    return sentences


def alert_summary(alert: NearRepeatAlert, lang: str = "en", *, event: str = "event") -> list[str]:
    """The alert in words: the overall area and days, then one line per ring.

    Examples
    --------
    >>> from hotspotwatch.analysis.spacetime.alert import AlertZone
    >>> a = NearRepeatAlert(True, 200.0, 7.0, (AlertZone(0, 200, 7, 2.3, 0.001),), ((0, 0),),
    ...                     "manhattan", 0.05)
    >>> print(alert_summary(a, "fr", event="fusillade")[0])
    Après un fait « fusillade », le risque d'un autre fait est accru dans un rayon de 200 m pendant 7 jours : c'est la zone et la période à couvrir.
    """
    if not alert.elevated:
        return [translate("spacetime.alert.none", lang)]
    lines = [plural("spacetime.alert.sentence", alert.days, lang, event=_a(event, lang),
                    radius=_num(alert.radius_m, lang), days=_num(alert.days, lang))]
    for zone in alert.zones:
        if zone.outer_m == SAME_EDGE:  # the same-place ring lies inside the next one
            continue
        inner = 0.0 if zone.inner_m == SAME_EDGE else zone.inner_m
        lines.append(plural("spacetime.alert.zone", zone.days, lang, inner=_num(inner, lang),
                            outer=_num(zone.outer_m, lang), days=_num(zone.days, lang),
                            ratio=_ratio(zone.max_ratio, lang)))
    return lines


def emerging_summary(result: EmergingHotspotsResult, lang: str = "en") -> str:
    """One sentence with the counts of new, intensifying and persistent hot spots.

    Examples
    --------
    >>> import numpy as np
    >>> from hotspotwatch.analysis.spacetime.emerging import emerging_hotspots
    >>> rng = np.random.default_rng(0)
    >>> xs, ys = np.meshgrid(np.arange(8) * 100.0, np.arange(8) * 100.0)
    >>> cube = rng.poisson(1.0, (64, 12)).astype(float); cube[27, 11] += 20
    >>> emerging_summary(emerging_hotspots(cube, xs.ravel(), ys.ravel(), distance=150))
    'Hot spots among 64 places: new 9, intensifying 0, persistent 0.'
    """
    c = result.category_counts
    return translate("spacetime.emerging.summary", lang, new=c["new_hot"],
                     intensifying=c["intensifying_hot"], persistent=c["persistent_hot"],
                     places=plural("common.n_places", len(result.category), lang))


def knox_notes(run: KnoxRun, lang: str = "en") -> list[str]:
    """What the reader of a Knox table must know about its events, in words.

    The time precision (when coarser than an instant), the events dropped by the minimum
    precision, the exact duplicates counted once, and the pairs at the same place on the
    same day, reported apart from near repeats.

    Examples
    --------
    >>> import numpy as np
    >>> from hotspotwatch.analysis.spacetime import knox
    >>> res = knox([0, 0, 50], [0, 0, 0], [3, 3, 9], [0, 100, np.inf], [0, 7, np.inf],
    ...            permutations=0)
    >>> run = KnoxRun(knox=res, alert=None, categories=("burglary",), time_precision="day",
    ...               n_duplicates=2, same_place_same_day=1)
    >>> for line in knox_notes(run): print(line)  # doctest: +ELLIPSIS
    Event times are known to the day only.
    2 exact duplicate records (same source, time, place and category) were counted once.
    1 pair is at the same place on the same day: ...
    """
    lines = []
    if run.time_precision != "instant":
        lines.append(translate(f"spacetime.knox.precision.{run.time_precision}", lang))
    if run.n_dropped_precision:
        minimum = translate(f"spacetime.precision.{run.min_precision}", lang)
        lines.append(plural("spacetime.knox.dropped", run.n_dropped_precision, lang,
                            min=minimum))
    if run.n_duplicates:
        lines.append(plural("spacetime.knox.duplicates", run.n_duplicates, lang))
    if run.same_place_same_day:
        lines.append(plural("spacetime.knox.same_place_day", run.same_place_same_day, lang))
    return lines
