"""Shared base for analysis result objects.

Every statistic returns a frozen dataclass whose fields are the numbers a criminologist
would quote. ``ResultMixin.to_dict`` turns it into JSON-ready plain Python (numpy arrays
become nested lists, NaN and infinities become ``None``), so CLI ``--json``, the store's
analysis-run table, the report and the web API all serialise results the same way.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import types
import typing
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import numpy as np

if TYPE_CHECKING:  # imported on use only: analysis stays cheap to import
    import geopandas as gpd
    from matplotlib.axes import Axes

_R = TypeVar("_R", bound="ResultMixin")


def to_jsonable(value: Any) -> Any:
    """Convert numpy / dataclass / datetime values to JSON-serialisable Python.

    Parameters
    ----------
    value : Any
        A scalar, array, mapping, sequence or dataclass instance.

    Returns
    -------
    Any
        Plain ``dict``/``list``/``float``/``int``/``str``/``bool``/``None``.
        Non-finite floats become ``None`` (JSON has no NaN).

    Examples
    --------
    >>> import numpy as np
    >>> to_jsonable({"a": np.array([1.0, np.nan]), "b": np.int64(3)})
    {'a': [1.0, None], 'b': 3}
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, np.ndarray):
        return [to_jsonable(v) for v in value.tolist()] if value.ndim else to_jsonable(value.item())
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if hasattr(value, "to_dict"):
            return value.to_dict()
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "tolist"):
        return to_jsonable(value.tolist())
    return str(value)


def from_jsonable(tp: Any, value: Any) -> Any:
    """Rebuild a value of type ``tp`` from its :func:`to_jsonable` form.

    The inverse of :func:`to_jsonable` for the types result fields use: ``float`` (``None``
    back to NaN), ``int``, ``str``, ``bool``, dates, ``numpy.ndarray`` (float arrays get NaN
    for ``None``), ``tuple``/``list``/``dict`` of those, optional values and nested result
    dataclasses (through their own ``from_dict``).

    Examples
    --------
    >>> from_jsonable(float, None)
    nan
    >>> from_jsonable(tuple[int, ...], [1, 2])
    (1, 2)
    >>> from_jsonable(np.ndarray, [1.0, None]).tolist()
    [1.0, nan]
    """
    if tp is Any or tp is object:
        return value
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        non_none = [a for a in args if a is not type(None)]
        if len(non_none) == 1:
            return from_jsonable(non_none[0], value)
        for a in non_none:  # first type that accepts the value
            try:
                return from_jsonable(a, value)
            except (TypeError, ValueError, KeyError):
                continue
        return value
    if origin is typing.Literal:
        return value
    if tp is float:
        return math.nan if value is None else float(value)
    if tp is int:
        return int(value)
    if tp is bool:
        return bool(value)
    if tp is str:
        return str(value)
    if tp is dt.datetime:
        return dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if tp is dt.date:
        return dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value
    if tp is np.ndarray or origin is np.ndarray:
        if value is None:
            return None
        arr = np.asarray(value, dtype=object)
        if arr.size and all(v is None or isinstance(v, (int, float)) for v in arr.flat):
            has_float = any(v is None or isinstance(v, float) for v in arr.flat)
            if has_float:
                return np.array(
                    [math.nan if v is None else v for v in arr.flat], dtype=float
                ).reshape(arr.shape)
            return np.asarray(value)
        return np.asarray(value)
    if origin in (tuple, list, set, frozenset) or tp in (tuple, list):
        if value is None:
            return None
        if origin is tuple and args and not (len(args) == 2 and args[1] is Ellipsis):
            return tuple(from_jsonable(a, v) for a, v in zip(args, value, strict=True))
        item = args[0] if args else Any
        items = [from_jsonable(item, v) for v in value]
        return (origin or tp)(items)
    if origin in (dict, Mapping) or tp is dict or origin is typing.Mapping:
        if value is None:
            return None
        vt = args[1] if len(args) == 2 else Any
        return {k: from_jsonable(vt, v) for k, v in dict(value).items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if isinstance(value, tp):
            return value
        maker = getattr(tp, "from_dict", None)
        if maker is not None:
            return maker(value)
        return _dataclass_from_dict(tp, value)
    return value


def _dataclass_from_dict(cls: Any, data: Mapping[str, Any]) -> Any:
    hints = typing.get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        if f.name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise KeyError(f"{cls.__name__}.from_dict: missing field {f.name!r}")
            continue
        kwargs[f.name] = from_jsonable(hints.get(f.name, Any), data[f.name])
    return cls(**kwargs)


class ResultMixin:
    """Mixin for frozen result dataclasses: ``to_dict()`` with JSON-ready values and its
    inverse ``from_dict()``; in a notebook ``_repr_html_()``, ``plot()``,
    ``to_geodataframe()`` and ``explore()`` (drawn by :mod:`hotspotwatch.notebook`).

    ``schema_version`` is stored with every run of the result type; raise it when the
    stored shape changes, so that older runs are recomputed instead of misread.
    """

    schema_version: ClassVar[int] = 1

    def to_dict(self) -> dict[str, Any]:
        """Return the result's fields as JSON-ready plain Python."""
        assert dataclasses.is_dataclass(self)
        return {f.name: to_jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls: type[_R], data: Mapping[str, Any]) -> _R:
        """Rebuild the result from :meth:`to_dict`'s output (types from the annotations).

        Types whose ``to_dict`` is not field by field override this.
        """
        return typing.cast(_R, _dataclass_from_dict(cls, data))

    # ------------------------------------------------------------------ notebooks
    def _repr_html_(self) -> str:
        """An HTML table of the numbers a criminologist would quote (Jupyter shows it)."""
        from hotspotwatch import notebook

        return notebook.html(self)

    def plot(self, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """Draw the result with matplotlib on ``ax`` (a new figure when None).

        Returns
        -------
        matplotlib.axes.Axes
        """
        from hotspotwatch import notebook

        return notebook.plot(self, ax, **kwargs)

    def to_geodataframe(self, crs: Any = None) -> gpd.GeoDataFrame:
        """The result's cells, rings, bands or points as a GeoDataFrame.

        Parameters
        ----------
        crs : optional
            The CRS the result was computed in (results do not store it; in a workspace
            ``ws.config.crs``). Alerts default to longitude/latitude (EPSG:4326).

        Raises
        ------
        TypeError
            If the result has no geometry.
        """
        from hotspotwatch import notebook

        return notebook.geodataframe(self, crs)

    def explore(self, crs: Any = None, **kwargs: Any) -> Any:
        """An interactive folium map (``GeoDataFrame.explore``; needs the ``notebook`` extra)."""
        from hotspotwatch import notebook

        return notebook.explore(self, crs, **kwargs)
