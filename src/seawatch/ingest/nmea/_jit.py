"""numba's `njit`, with its on-disk cache where one can be written, and without it where none can.

The kernels are compiled once and cached (`cache=True`): numba writes the cache next to the module
(`__pycache__`), else in `NUMBA_CACHE_DIR`, else in the user's cache directory. A read-only install
with no writable cache directory at all makes numba refuse `cache=True` when the function is declared;
the kernels are then compiled in memory on first use in each process (a few seconds, logged once)
instead of failing the import. `SEAWATCH_NO_JIT=1` turns the compiled kernels off altogether: the
decoder then runs its numpy reference path (`framing.py`), which the tests compare against.

numba checks a cached kernel against its own source file only: a kernel that calls a `helper` or another
module's kernel keeps its cached machine code when only the callee's file changes (`track/step_kernel.py`'s
`scan` calls `track/assign_kernel.py` and `track/kernels.py`). An install replaces every file, so this only
bites while editing: after changing a kernel module, delete the `*.nbi` / `*.nbc` files of the modules that
call it (`src/seawatch/*/__pycache__`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any, TypeVar, cast

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

ENABLED = os.environ.get("SEAWATCH_NO_JIT", "") in ("", "0")
_warned: list[bool] = []


def jit(fn: F) -> F:
    """`njit(cache=True, nogil=True)`, falling back to an uncached compile when no cache is writable.
    numba is imported here, when the kernels' module is first imported, not with the decoder."""
    return _njit(fn, {})


def jit_ieee(fn: F) -> F:
    """`jit` with numpy's error model: a float division by zero gives inf or NaN, as in numpy, instead of
    raising ZeroDivisionError (for kernels that mirror numpy code dividing by what may be zero)."""
    return _njit(fn, {"error_model": "numpy"})


def _njit(fn: F, options: dict[str, Any]) -> F:
    from numba import njit

    try:
        return cast(F, njit(cache=True, nogil=True, **options)(fn))
    except RuntimeError as err:  # "cannot cache function ...: no locator available"
        if not _warned:
            _warned.append(True)
            logger.warning("numba cannot cache the NMEA kernels (%s): they are compiled in each process", err)
        return cast(F, njit(cache=False, nogil=True, **options)(fn))


def inline(fn: F) -> F:
    """A helper of the kernels, inlined into them (numba IR): it is not compiled, cached or loaded on its own,
    which makes the one-off compile of a kernel shorter."""
    from numba import njit

    return cast(F, njit(inline="always")(fn))


def helper(signature: str | None = None) -> Callable[[F], F]:
    """A helper of the kernels compiled on its own and called from them, for a helper called from many places
    of a kernel, where inlining it (`inline`) into every call site would multiply the work of the compile
    (LLVM may still inline the machine code). With a `signature`, it is compiled for those argument types
    only (and cached): numba would otherwise compile it once per distinct constant argument of its calls
    (`_u(wd, 8, 30)`: Literal[int](8), Literal[int](30))."""

    def wrap(fn: F) -> F:
        from numba import njit

        if signature is None:
            return cast(F, njit(nogil=True)(fn))
        try:
            return cast(F, njit(signature, cache=True, nogil=True)(fn))
        except RuntimeError:  # no cache location (see `jit`)
            return cast(F, njit(signature, nogil=True)(fn))
    return wrap
