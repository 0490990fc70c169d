"""Record buffers of a compiled ``for`` loop, stacked by ``lax.scan`` instead of carried.

Simulations record their state once per step into a buffer made before the loop::

    trace = jnp.zeros((len(times), n))
    for i, t in enumerate(times):
        ...
        trace = trace.at[i].set(v)

Run literally, the whole buffer is carried through ``lax.scan`` and scattered
into at every step: a bigger program for XLA to compile (about 15% of the
compile time of the Hodgkin-Huxley example) than the idiomatic form, where the
step returns ``v`` and ``scan`` stacks it. :func:`find_records` recognises the
pattern in a loop body's jaxpr, and :class:`Records` replays the body with
those buffers taken out of the carry and their rows returned for ``scan`` to
stack; :meth:`Records.place` puts the stacked rows into the buffer after the
loop. Nothing changes in what the loop computes.

A carried buffer is a record when, in one iteration, the body only writes it
with a single ``buf.at[index].set(row)`` (one ``scatter`` of one row) whose
result it carries on unchanged, reads it nowhere else, and ``index`` is a
function of the loop counters alone whose values over the whole loop are
distinct rows of the buffer. The index values are worked out here, with
NumPy, from the counters' known values (``range`` and ``enumerate`` counters
are not traced).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import jax
import numpy as np
from jax.extend.core import ClosedJaxpr, Literal, Var

from runtime.guards import drop_dead_code

__all__ = ["Record", "Records", "find_records"]


class Record(NamedTuple):
    """A carried buffer whose rows the loop writes one per iteration."""

    invar: int  # position of the buffer among the body jaxpr's inputs
    outvar: int  # position of the written buffer among its outputs
    rows: np.ndarray  # the row each iteration writes, in iteration order
    eqns: tuple[int, ...]  # the scatter that writes it (last), and the casts before it


class Records(NamedTuple):
    """A loop body with its record buffers taken out of the carry."""

    records: list[Record]
    jaxpr: ClosedJaxpr  # inputs and outputs without the buffers; then the rows, one per record

    def replay(self, ins: Sequence[Any]) -> tuple[list[Any], list[Any]]:
        """Run the body on ``ins`` (all of its inputs; records' entries are ignored).

        Returns all of its outputs, with None for the records' buffers, and
        the row each record writes in this iteration.
        """
        dropped_in = {r.invar for r in self.records}
        kept = [v for p, v in enumerate(ins) if p not in dropped_in]
        flat = jax.core.eval_jaxpr(self.jaxpr.jaxpr, self.jaxpr.consts, *kept)
        n = len(flat) - len(self.records)
        outs, rows = iter(flat[:n]), flat[n:]
        dropped_out = {r.outvar for r in self.records}
        full = [None if p in dropped_out else next(outs) for p in range(n + len(self.records))]
        return full, list(rows)

    @staticmethod
    def place(record: Record, buffer: Any, stacked: Any) -> Any:
        """``buffer`` after the loop: its rows ``record.rows`` replaced by ``stacked``."""
        rows = record.rows
        if len(rows) == buffer.shape[0] and np.array_equal(rows, np.arange(len(rows))):
            return stacked.astype(buffer.dtype)
        return buffer.at[rows].set(
            stacked, indices_are_sorted=bool(np.all(np.diff(rows) > 0)), unique_indices=True
        )


def find_records(
    closed: ClosedJaxpr,
    slots: Sequence[tuple[int, int]],
    counters: Mapping[int, np.ndarray],
) -> Records | None:
    """The record buffers among a loop body's carried ``slots``, or None if there are none.

    Args:
      closed: the body, as captured: its inputs are the per-iteration items,
        then the carried values; its outputs the carried values' new ones.
      slots: ``(input position, output position)`` of each carried value.
      counters: input position -> the values that input takes, iteration by
        iteration, for the inputs that are loop counters.
    """
    jaxpr = closed.jaxpr
    if not counters:
        return None
    length = len(next(iter(counters.values())))
    uses: Counter[Var] = Counter()
    for eqn in jaxpr.eqns:
        uses.update(v for v in eqn.invars if isinstance(v, Var))
    uses.update(v for v in jaxpr.outvars if isinstance(v, Var))
    made_by = {out: k for k, eqn in enumerate(jaxpr.eqns) for out in eqn.outvars}
    known = {jaxpr.invars[p]: values for p, values in counters.items()}
    evaluate = _Evaluator(jaxpr, made_by, known, length)

    records = []
    for invar_pos, outvar_pos in slots:
        buffer, written = jaxpr.invars[invar_pos], jaxpr.outvars[outvar_pos]
        if not isinstance(written, Var) or written not in made_by:
            continue
        if uses[written] != 1:
            continue
        scattered, casts_after = _through_casts(jaxpr, written, made_by, uses)
        k = made_by.get(scattered)
        if k is None or not _is_row_write(jaxpr.eqns[k]):
            continue
        eqn = jaxpr.eqns[k]
        source, casts_before = _through_casts(jaxpr, eqn.invars[0], made_by, uses)
        if source is not buffer or uses[buffer] != 1:
            continue
        index = evaluate(eqn.invars[1])
        if index is None:
            continue
        rows = index.reshape(length).astype(np.int64)
        if not _distinct_rows(rows, buffer.aval.shape[0]):
            continue
        records.append(Record(invar_pos, outvar_pos, rows, (*casts_before, *casts_after, k)))
    if not records:
        return None
    return Records(records, _without(closed, records))


def _distinct_rows(rows: np.ndarray, n: int) -> bool:
    """Are ``rows`` distinct rows of an ``n``-row buffer (each written once, none dropped)?"""
    if rows.min() < 0 or rows.max() >= n:
        return False
    if len(rows) < 2 or np.all(np.diff(rows) > 0):
        return True
    return int(np.bincount(rows, minlength=n).max()) == 1


def _is_row_write(eqn: Any) -> bool:
    """Is ``eqn`` ``operand.at[i].set(row)`` for one row of its leading axis?"""
    if eqn.primitive.name != "scatter" or len(eqn.invars) != 3:
        return False
    operand, index, update = (v.aval for v in eqn.invars)
    dims = eqn.params["dimension_numbers"]
    return (
        eqn.params.get("update_jaxpr") is None
        and operand.ndim >= 1
        and tuple(index.shape) == (1,)
        and tuple(update.shape) == tuple(operand.shape[1:])
        and tuple(dims.update_window_dims) == tuple(range(operand.ndim - 1))
        and tuple(dims.inserted_window_dims) == (0,)
        and tuple(dims.scatter_dims_to_operand_dims) == (0,)
        and not tuple(dims.operand_batching_dims)
        and not tuple(dims.scatter_indices_batching_dims)
    )


def _through_casts(
    jaxpr: Any, var: Any, made_by: dict[Any, int], uses: Counter[Any]
) -> tuple[Any, list[int]]:
    """Follow ``var`` back through weak-type casts used once; the source and the casts.

    A weakly typed buffer (``jnp.full(n, -1.0)``) is cast to a strong type for
    the scatter (``.at[i].set``) and back to weak as the carried value.
    """
    casts: list[int] = []
    while isinstance(var, Var) and var in made_by:
        k = made_by[var]
        eqn = jaxpr.eqns[k]
        source = eqn.invars[0]
        if (
            eqn.primitive.name != "convert_element_type"
            or not isinstance(source, Var)
            or _dtype(source) != _dtype(var)
            or uses[source] != 1
        ):
            break
        casts.append(k)
        var = source
    return var, casts


def _dtype(var: Any) -> Any:
    return var.aval.dtype


def _without(closed: ClosedJaxpr, records: list[Record]) -> ClosedJaxpr:
    """``closed`` without the records' buffers and scatters, returning their rows last."""
    jaxpr = closed.jaxpr
    dropped_in = {r.invar for r in records}
    dropped_out = {r.outvar for r in records}
    dropped_eqns = {k for r in records for k in r.eqns}
    rows = [jaxpr.eqns[r.eqns[-1]].invars[2] for r in records]  # the scatters' updates
    slim = jaxpr.replace(
        invars=[v for p, v in enumerate(jaxpr.invars) if p not in dropped_in],
        outvars=[v for p, v in enumerate(jaxpr.outvars) if p not in dropped_out] + rows,
        eqns=[e for k, e in enumerate(jaxpr.eqns) if k not in dropped_eqns],
    )
    return drop_dead_code(ClosedJaxpr(slim, closed.consts))


# -- the index of each iteration, computed from the counters' values ----------------


def _binary(op: Callable[..., Any]) -> Callable[..., Any]:
    return lambda eqn, a, b: op(a, b)


def _int_div(eqn: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    if not np.issubdtype(a.dtype, np.integer) or np.any(b == 0):
        return None
    quotient = np.abs(a) // np.abs(b)  # XLA rounds toward zero
    return np.where((a < 0) != (b < 0), -quotient, quotient)


def _rem(eqn: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    if not np.issubdtype(a.dtype, np.integer) or np.any(b == 0):
        return None
    return np.fmod(a, b)  # the sign of the dividend, as XLA


def _select_n(eqn: Any, which: np.ndarray, *cases: np.ndarray) -> np.ndarray:
    return np.choose(which.astype(np.int64), cases)


# Each takes the equation and its inputs, each with a leading iteration axis.
_NUMPY: dict[str, Callable[..., Any]] = {
    "add": _binary(np.add),
    "sub": _binary(np.subtract),
    "mul": _binary(np.multiply),
    "max": _binary(np.maximum),
    "min": _binary(np.minimum),
    "and": _binary(np.bitwise_and),
    "or": _binary(np.bitwise_or),
    "eq": _binary(np.equal),
    "ne": _binary(np.not_equal),
    "lt": _binary(np.less),
    "le": _binary(np.less_equal),
    "gt": _binary(np.greater),
    "ge": _binary(np.greater_equal),
    "div": _int_div,
    "rem": _rem,
    "neg": lambda eqn, a: np.negative(a),
    "not": lambda eqn, a: np.invert(a),
    "select_n": _select_n,
    "convert_element_type": lambda eqn, a: a,  # the output's dtype is applied below
    "copy": lambda eqn, a: a,
    "copy_p": lambda eqn, a: a,
}


class _Evaluator:
    """Values of scalar-ish jaxpr variables at every iteration, from the counters alone."""

    def __init__(
        self, jaxpr: Any, made_by: dict[Any, int], known: dict[Any, np.ndarray], length: int
    ) -> None:
        self.jaxpr = jaxpr
        self.made_by = made_by
        self.values: dict[Any, np.ndarray | None] = dict(known)
        self.length = length

    def __call__(self, var: Any) -> np.ndarray | None:
        """``var`` at every iteration (leading axis), or None if it depends on anything else."""
        if isinstance(var, Literal):
            value = np.asarray(var.val, dtype=_dtype(var))
            return np.broadcast_to(value, (self.length, *value.shape))
        if var in self.values:
            return self.values[var]
        self.values[var] = None  # until computed (and for anything not computable)
        k = self.made_by.get(var)
        if k is not None:
            self.values[var] = self._equation(self.jaxpr.eqns[k], var)
        return self.values[var]

    def _equation(self, eqn: Any, var: Any) -> np.ndarray | None:
        if eqn.effects or len(eqn.outvars) != 1:
            return None
        maybe = [self(v) for v in eqn.invars]
        ins = [v for v in maybe if v is not None]
        if len(ins) != len(maybe):
            return None
        name = eqn.primitive.name
        aval = var.aval
        if name in ("jit", "pjit", "closed_call"):
            out = self._call(eqn, ins)
        elif name == "broadcast_in_dim":
            out = self._broadcast(eqn, ins[0])
        elif name == "reshape":
            out = ins[0].reshape((self.length, *aval.shape))
        elif name == "squeeze":
            out = ins[0].reshape((self.length, *aval.shape))
        elif name in _NUMPY:
            with np.errstate(all="ignore"):
                out = _NUMPY[name](eqn, *ins)
        else:
            return None
        if out is None or out.shape != (self.length, *aval.shape):
            return None
        return out.astype(aval.dtype)

    def _call(self, eqn: Any, ins: list[np.ndarray]) -> np.ndarray | None:
        inner = eqn.params.get("jaxpr") or eqn.params.get("call_jaxpr")
        if not isinstance(inner, ClosedJaxpr) or inner.consts:
            return None
        sub = inner.jaxpr
        made_by = {out: k for k, e in enumerate(sub.eqns) for out in e.outvars}
        evaluate = _Evaluator(sub, made_by, dict(zip(sub.invars, ins)), self.length)
        return evaluate(sub.outvars[0])

    def _broadcast(self, eqn: Any, operand: np.ndarray) -> np.ndarray | None:
        shape = tuple(eqn.params["shape"])
        dims = tuple(eqn.params["broadcast_dimensions"])
        expanded = [1] * len(shape)
        for src, dst in enumerate(dims):
            expanded[dst] = operand.shape[1 + src]
        return np.broadcast_to(operand.reshape((self.length, *expanded)), (self.length, *shape))
