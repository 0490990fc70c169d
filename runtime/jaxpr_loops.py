"""Compiled loops from a body that is already a jaxpr, without tracing it again.

A compiled loop's body is traced once to a jaxpr (runtime.state.capture), to
learn which Variables it writes and to simplify it (runtime.records,
runtime.guards). Handing it to ``lax.scan`` or ``lax.while_loop`` means
replaying that jaxpr equation by equation into a function for them to trace:
a second trace of the whole body (about 2 ms of the Hodgkin-Huxley example's
10 ms of tracing).

:func:`scan_jaxpr` and :func:`while_jaxpr` instead bind JAX's ``scan`` and
``while`` primitives (``jax.extend.core.primitives``) with the jaxprs
themselves, their inputs put in the order the primitives expect (constants,
carries, slices) and their outputs in (carries, stacked rows). The
primitives' parameters are not a public API: if a body does not fit (a carry
whose type the body changes, effects that ``lax.scan``/``lax.while_loop``
must check) or the installed JAX rejects the binding (any exception from
it), they return None and the caller replays the body as before. Every
binding is checked first: the operand types must be the jaxprs' input
types, and each carry's output type its input type.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import jax
from jax.extend.core import ClosedJaxpr
from jax.extend.core.primitives import scan_p, while_p

from runtime.guards import drop_dead_code

__all__ = ["Const", "Carry", "Sliced", "scan_jaxpr", "while_jaxpr"]


class Const(NamedTuple):
    """A body input that is the same in every iteration."""

    value: Any


class Carry(NamedTuple):
    """A body input carried from one iteration to the next, as output ``out``."""

    init: Any
    out: int  # position among the body's outputs of its next value


class Sliced(NamedTuple):
    """A body input that is one slice (along the leading axis) of ``stacked`` per iteration."""

    stacked: Any


Input = Const | Carry | Sliced

# Set when the installed JAX rejects a binding that passed our checks: its
# loop primitives take other parameters, so every later loop replays.
_unsupported: list[BaseException] = []


def scan_jaxpr(
    body: ClosedJaxpr,
    inputs: Sequence[Input],
    rows: Sequence[int],
    length: int,
    *,
    reverse: bool = False,
    unroll: int | bool = 1,
) -> tuple[list[Any], list[Any]] | None:
    """Run ``body`` as a scan; return (final carries, stacked rows), or None if it cannot.

    ``inputs`` has one entry per input of ``body``; the carries come back in
    the order of their inputs. ``rows`` are the positions of the body's
    outputs that are stacked over the iterations. ``reverse`` and ``unroll``
    are ``lax.scan``'s.
    """
    jaxpr = body.jaxpr
    if _unsupported or jaxpr.effects or len(inputs) != len(jaxpr.invars):
        return None
    if isinstance(unroll, bool):
        unroll = max(length, 1) if unroll else 1
    if not isinstance(unroll, int) or unroll < 0:
        return None  # lax.scan says what is wrong with it
    consts, carries, sliced = _by_role(jaxpr, inputs)
    operands = [
        *body.consts,
        *(v for _, v in consts),
        *(c.init for _, c in carries),
        *(v for _, v in sliced),
    ]
    invars = [
        *jaxpr.constvars,
        *(var for var, _ in consts),
        *(var for var, _ in carries),
        *(var for var, _ in sliced),
    ]
    outvars = [*(jaxpr.outvars[c.out] for _, c in carries), *(jaxpr.outvars[r] for r in rows)]
    n_fixed = len(jaxpr.constvars) + len(consts)
    if not _types_fit(invars, operands, n_fixed + len(carries), length):
        return None
    if not all(_same_type(var.aval, out.aval) for (var, _), out in zip(carries, outvars)):
        return None  # the body changes a carry's type: the replay casts it back
    scan_body = drop_dead_code(
        ClosedJaxpr(jaxpr.replace(constvars=[], invars=invars, outvars=outvars), [])
    )
    out = _bind(
        scan_p,
        operands,
        reverse=reverse,
        length=length,
        jaxpr=scan_body,
        num_consts=n_fixed,
        num_carry=len(carries),
        unroll=unroll,
    )
    if out is None:
        return None
    return out[: len(carries)], out[len(carries) :]


def while_jaxpr(
    cond: ClosedJaxpr, body: ClosedJaxpr, inputs: Sequence[Const | Carry]
) -> list[Any] | None:
    """Run ``while cond(carries): carries = body(...)``; return the final carries, or None.

    ``inputs`` has one entry per input of ``body``. ``cond``'s inputs are the
    carries, in the order of their entries in ``inputs``; its one output is
    the (scalar bool) predicate.
    """
    jaxpr, test = body.jaxpr, cond.jaxpr
    if _unsupported or jaxpr.effects or test.effects or len(inputs) != len(jaxpr.invars):
        return None
    consts, carries, sliced = _by_role(jaxpr, inputs)
    if sliced:
        raise ValueError("while_jaxpr: a while loop has no sliced inputs")
    pred = test.outvars[0].aval if len(test.outvars) == 1 else None
    if pred is None or pred.shape != () or pred.dtype != bool or len(test.invars) != len(carries):
        return None
    init = [c.init for _, c in carries]
    body_operands = [*body.consts, *(v for _, v in consts)]
    body_invars = [*jaxpr.constvars, *(var for var, _ in consts), *(var for var, _ in carries)]
    cond_invars = [*test.constvars, *test.invars]
    outvars = [jaxpr.outvars[c.out] for _, c in carries]
    n_unsliced = len(body_invars)
    if not (
        _types_fit(body_invars, [*body_operands, *init], n_unsliced, 0)
        and _types_fit(cond_invars, [*cond.consts, *init], len(cond_invars), 0)
        and all(_same_type(var.aval, out.aval) for (var, _), out in zip(carries, outvars))
    ):
        return None
    body_closed = drop_dead_code(
        ClosedJaxpr(jaxpr.replace(constvars=[], invars=body_invars, outvars=outvars), [])
    )
    cond_closed = ClosedJaxpr(test.replace(constvars=[], invars=cond_invars), [])
    return _bind(
        while_p,
        [*cond.consts, *body_operands, *init],
        cond_nconsts=len(cond.consts),
        cond_jaxpr=cond_closed,
        body_nconsts=len(body_operands),
        body_jaxpr=body_closed,
    )


def _by_role(
    jaxpr: Any, inputs: Sequence[Input]
) -> tuple[list[tuple[Any, Any]], list[tuple[Any, Carry]], list[tuple[Any, Any]]]:
    """``jaxpr``'s inputs with their entries: (var, value) of the Consts, (var, Carry), (var, stacked)."""
    consts = [(var, i.value) for var, i in zip(jaxpr.invars, inputs) if type(i) is Const]
    carries = [(var, i) for var, i in zip(jaxpr.invars, inputs) if type(i) is Carry]
    sliced = [(var, i.stacked) for var, i in zip(jaxpr.invars, inputs) if type(i) is Sliced]
    return consts, carries, sliced


def _bind(primitive: Any, operands: Sequence[Any], **params: Any) -> list[Any] | None:
    """``primitive.bind(*operands, **params)``, or None if the installed JAX refuses it.

    The binding passed our checks, so a refusal is this JAX's. A ``TypeError``
    means its primitive takes other parameters: no later loop tries again.
    Anything else (a rule of this JAX that our jaxpr does not satisfy) costs
    only this loop its direct binding.
    """
    try:
        return list(primitive.bind(*operands, **params))
    except Exception as error:  # noqa: BLE001 - the replay is always there to fall back on
        if isinstance(error, TypeError):
            _unsupported.append(error)
        return None


def _types_fit(invars: list[Any], operands: list[Any], n_unsliced: int, length: int) -> bool:
    for k, (var, value) in enumerate(zip(invars, operands)):
        aval = jax.typeof(value)
        if k >= n_unsliced:
            if aval.ndim == 0 or aval.shape[0] != length:
                return False
            aval = aval.update(shape=aval.shape[1:])
        if not _same_type(var.aval, aval):
            return False
    return True


def _same_type(a: Any, b: Any) -> bool:
    return (
        a.shape == b.shape
        and a.dtype == b.dtype
        and getattr(a, "weak_type", False) == getattr(b, "weak_type", False)
    )
