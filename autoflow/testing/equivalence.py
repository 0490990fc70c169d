"""The differential check: eager Python == ``autoflow.convert(f)`` == ``autoflow.jit(f)``.

For each input the same function runs three ways and the results must agree:

1. **eager**: the original, in plain Python (for drawn programs, with NumPy
   float32 values, see ``run_oracle``);
2. **converted**: ``autoflow.convert(f)`` called eagerly, on JAX arrays;
3. **compiled**: ``autoflow.jit(f)``.

"Agree" means: the same structure (tuple/list/dict layout, ``None``), the same
shapes, the same kind of number (bool, int or float), bools and ints exactly
equal, floats ``np.allclose(got, expected, rtol, atol)``.

When the eager run raises, autoflow must "fail the same way": it must raise
too, never return a value. The converted function, which runs Python on
concrete values, must raise an exception of the same class (any ``NameError``
for an unbound name, ``UnboundLocalError`` included). The compiled one may
instead raise one of autoflow's clear errors (``CLEAR_ERRORS``: a
``ConversionError`` or the runtime's ``BranchMismatchError`` /
``LoopCarryError``), since a traced branch cannot know which path eager Python
would have taken.
"""

from __future__ import annotations

import ast
import atexit
import copy
import hashlib
import importlib.util
import shutil
import sys
import tempfile
import traceback
import types
import warnings
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

import numpy as np

from autoflow import conversion_cache
from autoflow.testing.programs import Param, Program

__all__ = [
    "CLEAR_ERRORS",
    "DEFAULT_ATOL",
    "DEFAULT_RTOL",
    "EquivalenceError",
    "IllConditioned",
    "ModuleChecker",
    "ProgramChecker",
    "assert_equivalent",
    "check_equivalent",
    "check_program",
    "compare",
    "load_program",
    "run_oracle",
]

#: Float tolerances for drawn programs. Their values are dyadic and bounded, so
#: + - * agree bit for bit; what differs is the last bits of tanh/sin/cos and
#: the summation order of reductions (NumPy pairwise vs XLA), carried through at
#: most a few hundred additions.
DEFAULT_RTOL = 1e-4
DEFAULT_ATOL = 1e-5


class EquivalenceError(AssertionError):
    """autoflow computed something other than eager Python, or failed differently."""


class IllConditioned(Exception):
    """The eager result itself depends on float32 rounding (float32 != float64 eager).

    A differential test cannot blame the transpiler for such an input: the
    program compares a value that rounding pushes across a threshold.
    """


def _clear_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = []
    try:
        from autoflow.errors import ConversionError

        errors.append(ConversionError)
    except ImportError:  # pragma: no cover
        pass
    try:
        import runtime

        for name in ("BranchMismatchError", "LoopCarryError", "UndefinedValueError"):
            cls = getattr(runtime, name, None)
            if isinstance(cls, type) and issubclass(cls, BaseException):
                errors.append(cls)
    except ImportError:  # pragma: no cover
        pass
    return tuple(errors)


#: Errors that count as autoflow refusing a program clearly (never a wrong value).
CLEAR_ERRORS: tuple[type[BaseException], ...] = _clear_errors()


# ---------------------------------------------------------------------------
# Outcomes and comparison


@dataclass
class _Outcome:
    value: Any = None
    error: BaseException | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None

    def describe(self) -> str:
        if self.error is not None:
            return f"raised {type(self.error).__name__}: {_first_line(self.error)}"
        return _show(self.value)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else ""


def _show(value: Any) -> str:
    if isinstance(value, (tuple, list)):
        inner = ", ".join(_show(v) for v in value)
        return (
            f"({inner},)"
            if isinstance(value, tuple) and len(value) == 1
            else (f"({inner})" if isinstance(value, tuple) else f"[{inner}]")
        )
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_show(v)}" for k, v in value.items()) + "}"
    if value is None:
        return "None"
    try:
        arr = np.asarray(value)
    except Exception:  # noqa: BLE001 - show what we can of an odd value
        return f"<{type(value).__name__} object: {value!r}>"
    kind = {"b": "bool", "i": "int", "u": "int", "f": "float"}.get(arr.dtype.kind, str(arr.dtype))
    if arr.ndim == 0:
        return f"{arr.item()!r} ({kind})"
    return f"{np.array2string(arr, precision=6, separator=', ')} ({kind}{list(arr.shape)})"


def _kind(arr: np.ndarray) -> str:
    return {"b": "bool", "i": "int", "u": "int", "f": "float", "c": "complex"}.get(
        arr.dtype.kind, "other"
    )


def compare(
    expected: Any,
    got: Any,
    *,
    rtol: float,
    atol: float,
    check_dtype: bool = True,
    path: str = "result",
) -> str | None:
    """None if ``got`` matches ``expected``; otherwise why not, naming the path.

    Bools and ints must be equal, floats close (``np.allclose``), shapes equal,
    and with ``check_dtype`` the kind of number (bool/int/float) the same.
    """
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)) or type(got) is not type(expected):
            return f"{path}: expected a {type(expected).__name__} of {len(expected)}, got {type(got).__name__}"
        if len(got) != len(expected):
            return f"{path}: expected {len(expected)} elements, got {len(got)}"
        for i, (e, g) in enumerate(zip(expected, got)):
            msg = compare(e, g, rtol=rtol, atol=atol, check_dtype=check_dtype, path=f"{path}[{i}]")
            if msg:
                return msg
        return None
    if isinstance(expected, dict):
        if not isinstance(got, dict) or set(got) != set(expected):
            return (
                f"{path}: expected a dict with keys {sorted(map(repr, expected))}, got {_show(got)}"
            )
        for k in expected:
            msg = compare(
                expected[k],
                got[k],
                rtol=rtol,
                atol=atol,
                check_dtype=check_dtype,
                path=f"{path}[{k!r}]",
            )
            if msg:
                return msg
        return None
    if expected is None or got is None:
        return None if expected is got else f"{path}: expected {_show(expected)}, got {_show(got)}"
    try:
        e = np.asarray(expected)
        g = np.asarray(got)
    except Exception as exc:  # noqa: BLE001 - any unconvertible leaf is a mismatch
        return f"{path}: cannot compare {type(got).__name__}: {exc}"
    if e.shape != g.shape:
        return f"{path}: expected shape {e.shape}, got shape {g.shape} ({_show(got)})"
    ek, gk = _kind(e), _kind(g)
    if check_dtype and ek != gk:
        return f"{path}: expected a {ek}, got a {gk}: expected {_show(expected)}, got {_show(got)}"
    if ek == "float" or gk == "float":
        same = np.allclose(
            g.astype(np.float64), e.astype(np.float64), rtol=rtol, atol=atol, equal_nan=True
        )
    else:
        same = bool(np.array_equal(e, g))
    if not same:
        return f"{path}: expected {_show(expected)}, got {_show(got)}"
    return None


def _same_failure(expected: BaseException, got: BaseException, *, allow_clear: bool) -> bool:
    if isinstance(expected, NameError) and isinstance(got, NameError):
        return True
    if isinstance(got, type(expected)):
        return True
    return allow_clear and isinstance(got, CLEAR_ERRORS)


def _run(
    fn: Callable[..., Any],
    args: Sequence[Any],
    kwargs: dict[str, Any] | None = None,
    *,
    record_warnings: bool = False,
) -> _Outcome:
    """Call ``fn``; its value or exception. Autoflow's warnings (an unrolled
    loop, say) are recorded rather than raised: they are not wrong answers."""
    if not record_warnings:
        try:
            return _Outcome(value=fn(*args, **(kwargs or {})))
        except Exception as exc:  # noqa: BLE001 - the outcome is what we compare
            return _Outcome(error=exc)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        outcome = _run(fn, args, kwargs)
    outcome.warnings = [f"{w.category.__name__}: {str(w.message).splitlines()[0]}" for w in caught]
    return outcome


def _verdict(
    stage: str,
    expected: _Outcome,
    got: _Outcome,
    *,
    rtol: float,
    atol: float,
    check_dtype: bool,
    allow_clear: bool,
    may_refuse: bool,
) -> str | None:
    """None if ``got`` (from stage) is acceptable against the eager ``expected``."""
    if expected.ok:
        if got.ok:
            diff = compare(expected.value, got.value, rtol=rtol, atol=atol, check_dtype=check_dtype)
            return None if diff is None else f"{stage} computed a different value: {diff}"
        if may_refuse and isinstance(got.error, CLEAR_ERRORS + (NameError,)):
            return None
        return f"{stage} raised but eager Python returned {expected.describe()}"
    assert expected.error is not None
    if got.ok:
        return f"{stage} returned {got.describe()} but eager Python {expected.describe()}"
    assert got.error is not None
    if _same_failure(expected.error, got.error, allow_clear=allow_clear):
        return None
    return f"{stage} failed differently from eager Python, which {expected.describe()}"


def _format_failure(
    title: str, source: str | None, args: Sequence[Any], expected: _Outcome, got: _Outcome, why: str
) -> str:
    lines = [title, ""]
    if source is not None:
        lines += ["program:", *("    " + line for line in source.rstrip("\n").splitlines()), ""]
    lines.append("inputs: " + ", ".join(_show_input(a) for a in args))
    lines.append(f"eager Python: {expected.describe()}")
    lines.append(f"autoflow:     {got.describe()}")
    lines.append(f"why: {why}")
    lines += [f"autoflow warned: {w}" for w in got.warnings]
    if got.error is not None:
        tb = "".join(traceback.format_exception(got.error)).rstrip()
        lines += ["", "autoflow traceback (last lines):", *tb.splitlines()[-25:]]
    return "\n".join(lines)


def _show_input(a: Any) -> str:
    if isinstance(a, np.ndarray):
        return f"np.array({a.tolist()!r}, dtype=np.{a.dtype})"
    return repr(a)


# ---------------------------------------------------------------------------
# The eager oracle for drawn programs


class _NumpyAsJnp:
    """The ``jnp`` functions drawn programs use, implemented with NumPy.

    NumPy arrays are mutable, so ``w[i] = v`` runs in place as eager Python
    means it; ``jnp.zeros``/``jnp.ones`` make arrays of the oracle's dtype.
    Anything else a program asks for is an AttributeError (a generator bug).
    """

    def __init__(self, dtype: type[np.floating[Any]]) -> None:
        self._dtype = dtype
        for name in (
            "tanh",
            "sin",
            "cos",
            "abs",
            "maximum",
            "minimum",
            "clip",
            "where",
            "sum",
            "mean",
            "max",
            "min",
        ):
            setattr(self, name, getattr(np, name))

        for name in ("any", "all"):
            setattr(self, name, getattr(np, name))

    def _type(self, dtype: Any) -> Any:
        return self._dtype if dtype is None else dtype

    def zeros(self, shape: int | tuple[int, ...], dtype: Any = None) -> np.ndarray:
        return np.zeros(shape, self._type(dtype))

    def ones(self, shape: int | tuple[int, ...], dtype: Any = None) -> np.ndarray:
        return np.ones(shape, self._type(dtype))

    def full(self, shape: int | tuple[int, ...], fill: Any, dtype: Any = None) -> np.ndarray:
        return np.full(shape, fill, self._type(dtype))


class _FloatLiterals(ast.NodeTransformer):
    """Make float literals ``_F(literal)`` so that eager arithmetic runs in one float type."""

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if type(node.value) is float:
            return ast.copy_location(
                ast.Call(func=ast.Name(id="_F", ctx=ast.Load()), args=[node], keywords=[]), node
            )
        return node


_ORACLE_CACHE: OrderedDict[tuple[str, str], Callable[..., Any]] = OrderedDict()


def _oracle_function(program: Program, dtype: type[np.floating[Any]]) -> Callable[..., Any]:
    key = (program.source, np.dtype(dtype).name)
    fn = _ORACLE_CACHE.get(key)
    if fn is None:
        tree = _FloatLiterals().visit(ast.parse(program.source))
        code = compile(ast.fix_missing_locations(tree), f"<oracle {program.name}>", "exec")
        namespace: dict[str, Any] = {"jnp": _NumpyAsJnp(dtype), "np": np, "_F": dtype}
        exec(code, namespace)  # noqa: S102 - the program is ours, drawn by programs()
        fn = namespace[program.name]
        _ORACLE_CACHE[key] = fn
        if len(_ORACLE_CACHE) > 256:
            _ORACLE_CACHE.popitem(last=False)
    return fn


def _oracle_args(
    params: Sequence[Param], args: Sequence[Any], dtype: type[np.floating[Any]]
) -> list[Any]:
    out: list[Any] = []
    for p, a in zip(params, args, strict=True):
        if p.kind == "array":
            out.append(np.array(a, dtype=dtype))  # a fresh copy: the program may write to it
        elif p.kind == "float":
            out.append(dtype(a))
        else:
            out.append(int(a))
    return out


def run_oracle(
    program: Program, args: Sequence[Any], *, dtype: type[np.floating[Any]] = np.float32
) -> Any:
    """Run ``program`` eagerly in plain Python with NumPy values of ``dtype``.

    ``jnp.*`` calls go to the same NumPy functions; float parameters, float
    literals and arrays are ``dtype`` (float32 by default, as compiled JAX
    computes), ints stay Python ints. Raises what the program raises.
    """
    fn = _oracle_function(program, dtype)
    return fn(*_oracle_args(program.params, args, dtype))


# ---------------------------------------------------------------------------
# Loading a drawn program so that autoflow can read its source


_TMPDIR: str | None = None


def _tmpdir() -> str:
    global _TMPDIR
    if _TMPDIR is None:
        _TMPDIR = tempfile.mkdtemp(prefix="autoflow-programs-")
        atexit.register(shutil.rmtree, _TMPDIR, ignore_errors=True)
        conversion_cache.skip_directory(_TMPDIR)  # a new directory each process: never read again
    return _TMPDIR


_HEADER = "import jax.numpy as jnp\nimport numpy as np\nimport runtime as rt\n\n\n"


def load_program(program: Program) -> Callable[..., Any]:
    """Import ``program`` from a real file, so ``inspect.getsource`` works on it.

    The module (named after a hash of the source) imports ``jax.numpy as jnp``,
    ``numpy as np`` and ``runtime as rt``; the same source always gives the
    same file. Returns the module's attribute ``program.name`` (a function, or
    the class of a drawn Module).
    """
    digest = hashlib.sha1(program.source.encode()).hexdigest()[:16]
    mod_name = f"autoflow_program_{digest}"
    module = sys.modules.get(mod_name)
    if module is None:
        path = f"{_tmpdir()}/{mod_name}.py"
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(_HEADER + program.source)
        spec = importlib.util.spec_from_file_location(mod_name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[mod_name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[mod_name]
            raise
    return getattr(module, program.name)


# ---------------------------------------------------------------------------
# Checking


def _autoflow() -> types.ModuleType:
    import autoflow

    if not (hasattr(autoflow, "convert") and hasattr(autoflow, "jit")):
        raise RuntimeError("autoflow.convert / autoflow.jit are not available yet")
    return autoflow


def _jax_args(params: Sequence[Param], args: Sequence[Any]) -> list[Any]:
    import jax.numpy as jnp

    out: list[Any] = []
    for p, a in zip(params, args, strict=True):
        if p.kind == "array":
            out.append(jnp.asarray(np.asarray(a, dtype=np.float32)))
        elif p.kind == "float":
            out.append(float(a))
        else:
            out.append(int(a))
    return out


class ProgramChecker:
    """Checks drawn programs, caching each program's converted and compiled forms.

    ``check(program, args)`` raises ``EquivalenceError`` on a disagreement and
    ``IllConditioned`` when the input is numerically ambiguous (see
    ``IllConditioned``). ``use_jit=False`` skips the compiled run.
    """

    def __init__(
        self, *, rtol: float = DEFAULT_RTOL, atol: float = DEFAULT_ATOL, cache_size: int = 64
    ) -> None:
        self.rtol = rtol
        self.atol = atol
        self._cache: OrderedDict[str, tuple[Callable[..., Any], _Outcome, _Outcome]] = OrderedDict()
        self._cache_size = cache_size

    def _forms(self, program: Program) -> tuple[Callable[..., Any], _Outcome, _Outcome]:
        hit = self._cache.get(program.source)
        if hit is not None:
            self._cache.move_to_end(program.source)
            return hit
        af = _autoflow()
        fn = load_program(program)
        # conversion errors surface when a form is built; keep them as outcomes
        converted = _run(af.convert, [fn], record_warnings=True)
        compiled = _run(af.jit, [fn], record_warnings=True)
        entry = (fn, converted, compiled)
        self._cache[program.source] = entry
        if len(self._cache) > self._cache_size:
            old, _ = self._cache.popitem(last=False)
            sys.modules.pop(f"autoflow_program_{hashlib.sha1(old.encode()).hexdigest()[:16]}", None)
        return entry

    def check(self, program: Program, args: Sequence[Any], *, use_jit: bool = True) -> list[str]:
        """Raise EquivalenceError unless eager == convert == jit on ``args``.

        Returns the warnings autoflow emitted (``"Category: message"``).
        """
        seen: list[str] = []
        expected = _run(lambda: run_oracle(program, args), [])
        _, converted, compiled = self._forms(program)
        stages: list[tuple[str, _Outcome]] = [("autoflow.convert(f)", converted)]
        if use_jit:
            stages.append(("autoflow.jit(f)", compiled))
        for stage, form in stages:
            if form.ok:
                got = _run(form.value, _jax_args(program.params, args), record_warnings=True)
            else:
                got = form
            seen += got.warnings
            why = _verdict(
                stage,
                expected,
                got,
                rtol=self.rtol,
                atol=self.atol,
                check_dtype=not program.int_to_float,
                allow_clear=stage == "autoflow.jit(f)" or not form.ok,
                may_refuse=program.reads_maybe_unbound
                and (stage == "autoflow.jit(f)" or not form.ok),
            )
            if why is not None:
                _fail(stage, why, program, args, expected, got, self._ill_conditioned)
        return seen

    def _ill_conditioned(self, program: Program, args: Sequence[Any], value32: Any) -> bool:
        wide = _run(lambda: run_oracle(program, args, dtype=np.float64), [])
        if not wide.ok:
            return True
        return (
            compare(value32, wide.value, rtol=self.rtol, atol=self.atol, check_dtype=False)
            is not None
        )


def _fail(
    stage: str,
    why: str,
    program: Program,
    args: Sequence[Any],
    expected: Any,
    got: Any,
    ill_conditioned: Callable[[Program, Sequence[Any], Any], bool],
) -> NoReturn:
    """Raise for a stage that disagrees: IllConditioned if float64 says so, else EquivalenceError."""
    if expected.ok and got.ok and ill_conditioned(program, args, expected.value):
        raise IllConditioned(why)
    raise EquivalenceError(
        _format_failure(
            f"{stage} disagrees with eager Python", program.source, args, expected, got, why
        )
    )


class ModuleChecker:
    """Checks drawn Modules (``module_programs()``): eager == convert == jit, state included.

    ``check(program, args)`` makes a fresh ``Net()`` for each way of running
    it: plain Python on JAX arrays (the eager reference), ``autoflow.convert``
    and ``autoflow.jit`` of the instance. Each is called ``calls`` times on
    ``args``; after each call the result and every Variable's value
    (``net.vars()``) must agree. Raises ``EquivalenceError``, or
    ``IllConditioned`` when eager float32 and float64 (``jax.enable_x64``)
    disagree.
    """

    def __init__(self, *, rtol: float = DEFAULT_RTOL, atol: float = DEFAULT_ATOL, calls: int = 2):
        self.rtol = rtol
        self.atol = atol
        self.calls = calls

    def _run(
        self, program: Program, args: Sequence[Any], wrap: Callable[[Any], Any] | None
    ) -> _Outcome:
        cls = load_program(program)

        def calls() -> list[tuple[Any, dict[str, Any]]]:
            net = cls()
            fn = net if wrap is None else wrap(net)
            out = []
            for _ in range(self.calls):
                value = fn(*_jax_args(program.params, args))
                out.append((value, {k: v.value for k, v in net.vars().items()}))
            return out

        return _run(calls, [], record_warnings=wrap is not None)

    def check(self, program: Program, args: Sequence[Any], *, use_jit: bool = True) -> list[str]:
        """Raise EquivalenceError unless eager == convert == jit on ``args``; autoflow's warnings."""
        af = _autoflow()
        expected = self._run(program, args, None)
        seen: list[str] = []
        stages: list[tuple[str, Callable[[Any], Any]]] = [("autoflow.convert(net)", af.convert)]
        if use_jit:
            stages.append(("autoflow.jit(net)", af.jit))
        for stage, wrap in stages:
            got = self._run(program, args, wrap)
            seen += got.warnings
            why = _verdict(
                stage,
                expected,
                got,
                rtol=self.rtol,
                atol=self.atol,
                check_dtype=not program.int_to_float,
                allow_clear=stage == "autoflow.jit(net)",
                may_refuse=program.reads_maybe_unbound and stage == "autoflow.jit(net)",
            )
            if why is not None:
                _fail(stage, why, program, args, expected, got, self._ill_conditioned)
        return seen

    def _ill_conditioned(self, program: Program, args: Sequence[Any], value32: Any) -> bool:
        import jax

        wide_args = [np.asarray(a, np.float64) if isinstance(a, np.ndarray) else a for a in args]
        with jax.enable_x64(True):
            import jax.numpy as jnp

            cls = load_program(program)

            def calls() -> list[Any]:
                net = cls()
                out = []
                for _ in range(self.calls):
                    call_args = [
                        jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in wide_args
                    ]
                    out.append((net(*call_args), {k: v.value for k, v in net.vars().items()}))
                return out

            wide = _run(calls, [])
        if not wide.ok:
            return True
        return (
            compare(value32, wide.value, rtol=self.rtol, atol=self.atol, check_dtype=False)
            is not None
        )


_DEFAULT_CHECKER: ProgramChecker | None = None


def check_program(program: Program, args: Sequence[Any], *, use_jit: bool = True) -> None:
    """Check one drawn program on one input with the default tolerances."""
    global _DEFAULT_CHECKER
    if _DEFAULT_CHECKER is None:
        _DEFAULT_CHECKER = ProgramChecker()
    _DEFAULT_CHECKER.check(program, args, use_jit=use_jit)


def _build_forms(fn: Callable[..., Any], use_jit: bool) -> tuple[_Outcome, _Outcome | None]:
    af = _autoflow()
    return _run(af.convert, [fn], record_warnings=True), (
        _run(af.jit, [fn], record_warnings=True) if use_jit else None
    )


def check_equivalent(
    fn: Callable[..., Any],
    args: Sequence[Any],
    kwargs: dict[str, Any] | None = None,
    *,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    use_jit: bool = True,
    check_dtype: bool = True,
    _forms: tuple[_Outcome, _Outcome | None] | None = None,
) -> None:
    """Check a user function on one input: eager == convert == jit.

    Each run gets its own deep copy of ``args``/``kwargs`` (NumPy arrays
    included), so a function that writes into its inputs does not leak into
    the next run. Raises ``EquivalenceError`` with both results on a mismatch.
    """
    converted, compiled = _forms if _forms is not None else _build_forms(fn, use_jit)
    kwargs = kwargs or {}
    expected = _run(fn, copy.deepcopy(list(args)), copy.deepcopy(kwargs))
    stages = [("autoflow.convert(fn)", converted)]
    if use_jit and compiled is not None:
        stages.append(("autoflow.jit(fn)", compiled))
    for stage, form in stages:
        got = (
            _run(form.value, copy.deepcopy(list(args)), copy.deepcopy(kwargs), record_warnings=True)
            if form.ok
            else form
        )
        why = _verdict(
            stage,
            expected,
            got,
            rtol=rtol,
            atol=atol,
            check_dtype=check_dtype,
            allow_clear=stage == "autoflow.jit(fn)" or not form.ok,
            may_refuse=False,
        )
        if why is not None:
            name = getattr(fn, "__qualname__", repr(fn))
            raise EquivalenceError(
                _format_failure(
                    f"{stage} disagrees with eager {name}", None, args, expected, got, why
                )
            )


def assert_equivalent(
    fn: Callable[..., Any],
    *arg_strategies: Any,
    examples: int = 50,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    use_jit: bool = True,
    check_dtype: bool = True,
    **kwarg_strategies: Any,
) -> None:
    """Check with Hypothesis that autoflow computes what ``fn`` computes eagerly.

    Equivalent to this Python::

        @settings(max_examples=examples, deadline=None)
        @given(*arg_strategies, **kwarg_strategies)
        def test(*args, **kwargs):
            expected = fn(*args, **kwargs)
            assert close(autoflow.convert(fn)(*args, **kwargs), expected)
            assert close(autoflow.jit(fn)(*args, **kwargs), expected)

    Unlike a plain comparison: bools and ints must be equal and floats close
    (``rtol``/``atol``, as ``np.allclose``); results must have the same
    structure, shapes and kind of number (``check_dtype=False`` compares values
    only). When ``fn`` raises, autoflow must raise the same exception class
    (the compiled function may instead raise a clear autoflow error, such as a
    ``ConversionError``), never return a value. ``fn`` is converted and
    compiled once; Hypothesis shrinks a failure to a minimal input and raises
    an ``EquivalenceError`` that shows it.

    Example::

        import hypothesis.strategies as st
        from hypothesis.extra.numpy import arrays
        import autoflow.testing

        def clipped_sum(xs, limit):
            s = 0.0
            for x in xs:            # a scan over the array
                s = s + x
                if s > limit:       # a traced condition
                    s = limit
            return s

        autoflow.testing.assert_equivalent(
            clipped_sum,
            arrays(np.float32, 5, elements=st.floats(-1, 1, width=32)).map(jnp.asarray),
            st.floats(0, 3, width=32),
            examples=30,
        )
    """
    from hypothesis import given, settings
    from hypothesis import strategies as st

    forms = _build_forms(fn, use_jit)  # converted and compiled once, for all examples

    @settings(max_examples=examples, deadline=None, database=None)
    @given(
        args=st.tuples(*arg_strategies),
        kwargs=st.fixed_dictionaries(kwarg_strategies),
    )
    def _equivalent(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        check_equivalent(
            fn,
            args,
            kwargs,
            rtol=rtol,
            atol=atol,
            use_jit=use_jit,
            check_dtype=check_dtype,
            _forms=forms,
        )

    _equivalent()
