"""Plotly figures built once per process for equal inputs.

Why: Plotly validates every property as a figure is built, plotly express more so. The AR page's
two charts cost ~0.1 s of each of its runs (a rerun, a click, a switch back), and the Overview's
and Utilization's figures tens of ms, for data that had not changed. A figure is a function of
its inputs alone, so equal inputs get the figure already built. st.plotly_chart only reads a
figure (to_dict), so one object serves every session: a kept figure is never changed after it
is returned (build a new one instead)."""

from __future__ import annotations

import hashlib
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
F = TypeVar("F")

KEPT = 32  # figures per builder: a page's periods and filters a few people move between


def kept(build: Callable[P, F]) -> Callable[P, F]:
    """`build`, remembering its last KEPT results by the exact bytes of its arguments (pickled:
    a polars frame as its Arrow data). Arguments that cannot be pickled are built each time."""
    store: OrderedDict[bytes, F] = OrderedDict()
    lock = threading.Lock()

    @wraps(build)
    def figure(*args: P.args, **kwargs: P.kwargs) -> F:
        try:
            key = hashlib.sha256(pickle.dumps((args, sorted(kwargs.items())), 5)).digest()
        except (pickle.PicklingError, TypeError, AttributeError):
            return build(*args, **kwargs)
        with lock:
            if key in store:
                store.move_to_end(key)
                return store[key]
        made = build(*args, **kwargs)  # outside the lock: two sessions may both build it once
        with lock:
            store[key] = made
            while len(store) > KEPT:
                store.popitem(last=False)
        return made

    return figure
