"""The front doors: ``jit``, ``convert``, ``to_source``, ``do_not_convert``.

How a function is converted and run:

1. Its source (``inspect.getsource``) goes through
   :func:`autoflow.transpile.transpile_function`. The result is what
   :func:`to_source` shows: the user's function with runtime control flow,
   nothing else.
2. For *execution*, that code is wrapped once more, in memory only: every call
   ``f(x)`` becomes ``__autoflow_call__(f)(x)`` and the function is nested in
   a factory whose parameters are ``rt``, ``__autoflow_call__`` and the
   original function's free variables, inside a class body (named like the
   user's class for a method, so ``super()`` and ``__private`` names work;
   ``_`` otherwise, which mangles nothing), so the function's own name stays a
   global for recursive calls. The factory is compiled but never run: the converted code
   object is taken from its constants and turned into a function with
   ``types.FunctionType(code, fn.__globals__, ..., closure)``, the closure
   rebuilt from the original's cells. So the converted function lives in the
   user's own globals (a later rebinding of a global is seen) and closure,
   and the user's module namespace is never touched.
3. ``__autoflow_call__`` is the recursion hook: given the callee *value* at
   run time, it returns the converted version of a user function (a plain
   function, a bound method, a callable object's ``__call__``, a
   ``functools.partial``), once per function (cached), or the callee itself
   for anything from JAX, NumPy, the standard library, installed packages,
   ``runtime``/``autoflow``, or marked ``@do_not_convert``. Deciding on the
   value rather than the name is what reaches functions passed as arguments,
   stored in variables, closures, defaults, or methods of plain classes. The
   displayed source stays free of these wrappers.

Caching: conversions are cached weakly on the code object plus options (a
second decoration of the same code, or a closure made again, does not
re-parse), converted functions weakly on the function object, and the
converted source on disk between processes (:mod:`autoflow.conversion_cache`;
libcst is imported only when something is not found there).

Errors raised while running converted code get a note naming the user's file
and line (:mod:`autoflow.source_map`).
"""

from __future__ import annotations

import ast
import functools
import inspect
import os
import sys
import sysconfig
import textwrap
import types
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar, overload

import runtime as rt
from autoflow import conversion_cache
from autoflow.errors import ConversionError
from autoflow.source_map import SourceMap, add_user_note, register_source
from runtime.control import find_undefined, register_location_resolver

if TYPE_CHECKING:
    import libcst as cst

__all__ = ["convert", "do_not_convert", "jit", "to_source"]

F = TypeVar("F", bound=Callable[..., Any])

_HOOK = "__autoflow_call__"
_FACTORY = "__autoflow_factory__"
_DO_NOT_CONVERT = "__autoflow_do_not_convert__"
_ORIGINAL = "__autoflow_original__"
_CONVERTED = "__autoflow_converted__"

# Names whose calls are never wrapped in the hook (unless the code rebinds them).
_PLAIN_CALLS = frozenset(
    {
        "len", "range", "isinstance", "issubclass", "int", "float", "bool", "str", "print",
        "min", "max", "abs", "sum", "tuple", "list", "dict", "set", "zip", "enumerate",
        "getattr", "setattr", "hasattr", "type", "super", "repr", "round", "divmod",
        "any", "all", "sorted", "reversed", "iter", "next", "id", "hash", "callable",
        "ValueError", "TypeError", "RuntimeError", "KeyError", "IndexError", "NotImplementedError",
    }
)  # fmt: skip


@dataclass
class _Conversion:
    """A converted code object and what describes it."""

    source: str
    code: types.CodeType
    source_map: SourceMap
    runtime_name: str = "rt"  # what the generated code calls the runtime


_CODE_CACHE: weakref.WeakKeyDictionary[types.CodeType, dict[tuple[Any, ...], _Conversion]] = (
    weakref.WeakKeyDictionary()
)
# function -> {runtime_checks: converted function}
_FUNCTION_CACHE: weakref.WeakKeyDictionary[Callable[..., Any], dict[bool, Callable[..., Any]]] = (
    weakref.WeakKeyDictionary()
)
_SOURCE_MAPS: dict[str, SourceMap] = {}
_counter = [0]


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def do_not_convert(fn: F) -> F:
    """Mark ``fn`` so autoflow never converts it (nor follows calls inside it).

    Example::

        @autoflow.do_not_convert
        def log(x):
            if x is not None:      # stays plain Python
                print(x)
    """
    try:
        setattr(fn, _DO_NOT_CONVERT, True)
    except AttributeError:
        target = getattr(fn, "__func__", None)
        if target is None:
            raise TypeError(f"do_not_convert cannot mark {type(fn).__name__} objects") from None
        setattr(target, _DO_NOT_CONVERT, True)
    return fn


def convert(fn: F, *, runtime_checks: bool = True) -> F:
    """The function with its control flow rewritten into runtime calls; not compiled.

    Equivalent to this Python::

        def converted(*args, **kwargs):
            return fn(*args, **kwargs)

    Unlike Python:

    - ``if``/``while``/``for`` run as ``rt.ifelse``/``rt.while_loop``/
      ``rt.for_each``, which behave exactly as Python on concrete values and
      as ``lax.cond``/``lax.while_loop``/``lax.scan`` on traced ones, so the
      result also runs under ``jax.jit``, ``jax.grad`` and ``jax.vmap``.
    - User functions it calls are converted too, at call time, once each.
    - ``assert`` on a traced value, and ``raise`` in a branch of an ``if``
      whose condition is traced, are checked when the compiled code runs,
      each by a host callback (see ``runtime_checks``).

    Args:
      fn: a function, a bound method, or a callable object (its ``__call__``).
      runtime_checks: compile the run-time checks of ``assert`` and ``raise``
        on traced values (one host callback each, a device-to-host copy of a
        boolean per execution). ``False`` drops them: such an ``assert`` is
        not checked and such a ``raise`` never fires (checks that Python can
        decide while tracing still run). ``print`` is not a check and stays.

    Returns:
      The converted callable (``fn`` itself if marked ``@do_not_convert``).

    Raises:
      ConversionError: the source is unavailable or cannot be converted.
    """
    return _convert(fn, strict=True, checks=runtime_checks)  # type: ignore[return-value]


def to_source(fn: Callable[..., Any]) -> str:
    """The converted source of ``fn``, as :func:`convert` would run it.

    Example::

        print(autoflow.to_source(total))
    """
    target = _unwrap_target(fn)
    if not isinstance(target, types.FunctionType):
        raise TypeError(f"to_source expects a function, method or callable object, got {fn!r}")
    return _conversion(target).source


@overload
def jit(
    fn: F,
    *,
    static_argnums: int | Sequence[int] = (),
    static_argnames: str | Sequence[str] = (),
    runtime_checks: bool = True,
) -> Any: ...


@overload
def jit(
    fn: None = None,
    *,
    static_argnums: int | Sequence[int] = (),
    static_argnames: str | Sequence[str] = (),
    runtime_checks: bool = True,
) -> Callable[[F], Any]: ...


def jit(
    fn: Any = None,
    *,
    static_argnums: int | Sequence[int] = (),
    static_argnames: str | Sequence[str] = (),
    runtime_checks: bool = True,
) -> Any:
    """Convert ``fn`` and compile it with ``rt.jit``.

    Equivalent to this Python::

        compiled = rt.jit(autoflow.convert(fn), static_argnums, static_argnames)

    Unlike Python: Python control flow on traced values compiles (as
    ``lax.cond``/``lax.while_loop``/``lax.scan``), Variables are read and
    written back as by ``rt.jit``, and the function is traced once per input
    signature.

    Args:
      fn: a function, a bound method, or an ``rt.Module`` instance (its
        ``__call__`` is converted and compiled; the result forwards attribute
        access to the Module). Omit it to use ``@autoflow.jit(static_argnums=...)``.
      static_argnums: positions of static arguments, as in ``jax.jit``.
      static_argnames: names of static arguments.
      runtime_checks: as for :func:`convert`. With the default ``True`` a
        failed ``assert`` raises ``AssertionError`` and a ``raise`` in a
        taken traced branch raises the user's exception, re-raised by
        ``rt.jit`` from JAX's ``JaxRuntimeError``.

    Example::

        @autoflow.jit
        def total(seq, n):
            s, i = 0.0, 0
            while i < n:
                s += seq[i]
                i += 1
            return s
    """
    if fn is None:
        return functools.partial(
            jit,
            static_argnums=static_argnums,
            static_argnames=static_argnames,
            runtime_checks=runtime_checks,
        )
    checks = bool(runtime_checks)
    if isinstance(fn, rt.Module):
        call = _convert(fn, strict=True, checks=checks)
        compiled: Any = rt.JitModule(fn, static_argnums, static_argnames, call=call)
    else:
        compiled = rt.jit(_convert(fn, strict=True, checks=checks), static_argnums, static_argnames)
    try:
        object.__setattr__(compiled, _CONVERTED, _convert(fn, strict=True, checks=checks))
    except (AttributeError, TypeError):  # pragma: no cover - unusual wrappers
        pass
    return compiled


# ---------------------------------------------------------------------------
# Conversion
# ---------------------------------------------------------------------------


def _unwrap_target(fn: Any) -> Any:
    converted = getattr(fn, _CONVERTED, None)
    if converted is not None:
        fn = getattr(converted, _ORIGINAL, converted)
    original = getattr(fn, _ORIGINAL, None)
    if original is not None:
        return original
    if isinstance(fn, types.MethodType):
        return fn.__func__
    if isinstance(fn, functools.partial):
        return _unwrap_target(fn.func)
    if not isinstance(fn, types.FunctionType) and callable(fn):
        call = _type_call(fn)
        if isinstance(call, types.FunctionType):
            return call
    return fn


def _type_call(obj: Any) -> Any:
    """The ``__call__`` defined by ``obj``'s class, or None."""
    for klass in type(obj).__mro__:
        if "__call__" in klass.__dict__:
            return klass.__dict__["__call__"]
    return None


def _convert(fn: Any, strict: bool, checks: bool = True) -> Any:
    """Convert ``fn`` (any callable); ``strict``: raise instead of returning ``fn``.

    ``checks``: compile run-time checks (``runtime_checks``).
    """
    if getattr(fn, _DO_NOT_CONVERT, False) or getattr(fn, _ORIGINAL, None) is not None:
        return fn
    if isinstance(fn, types.FunctionType):
        per_fn = _FUNCTION_CACHE.get(fn)
        if per_fn is not None and checks in per_fn:
            return per_fn[checks]
        converted = _convert_function(fn, checks)
        _FUNCTION_CACHE.setdefault(fn, {})[checks] = converted
        return converted
    if isinstance(fn, types.MethodType):
        func = fn.__func__
        if getattr(func, _DO_NOT_CONVERT, False):
            return fn
        return types.MethodType(_convert(func, strict, checks), fn.__self__)
    if isinstance(fn, functools.partial):
        return functools.partial(_convert(fn.func, strict, checks), *fn.args, **fn.keywords)
    if isinstance(fn, type):
        if strict:
            raise TypeError(f"autoflow converts functions, methods and objects, not the class {fn.__name__}")
        return fn
    call = _type_call(fn)
    if isinstance(call, types.FunctionType) and callable(fn):
        if getattr(call, _DO_NOT_CONVERT, False):
            return fn
        return types.MethodType(_convert(call, strict, checks), fn)
    if strict:
        raise TypeError(f"autoflow cannot convert {type(fn).__name__} objects: {fn!r}")
    return fn


class _Options(NamedTuple):
    """Everything besides the code object that a function's conversion depends on.

    Equal code objects (the same source at the same line, in two files) are
    converted apart when their modules differ where it matters: a global
    ``range``/``enumerate``/``zip`` (kept as the user's), a global that shadows a
    builtin called without the hook, or a name the runtime must not take.
    """

    checks: bool  # compile run-time checks (runtime_checks)
    avoid: frozenset[str]  # names the runtime must not take (_names_to_avoid)
    shadowed: frozenset[str]  # range / enumerate / zip bound by the module
    plain: frozenset[str]  # plain builtins (_PLAIN_CALLS) that the module rebinds
    filename: str


def _options(fn: types.FunctionType, checks: bool) -> _Options:
    globals_ = fn.__globals__
    return _Options(
        checks=checks,
        avoid=_names_to_avoid(fn),
        shadowed=frozenset(n for n in ("range", "enumerate", "zip") if n in globals_),
        plain=frozenset(n for n in _PLAIN_CALLS if n in globals_),
        filename=fn.__code__.co_filename,
    )


def _names_to_avoid(fn: types.FunctionType) -> frozenset[str]:
    """Names the generated code must not take for the runtime: ``rt``-like names that
    the function's closure binds, or its globals bind to something other than the runtime."""
    globals_ = fn.__globals__
    return frozenset(fn.__code__.co_freevars) | frozenset(
        name for name in globals_ if name.startswith("rt") and globals_[name] is not rt
    )


def _conversion(fn: types.FunctionType, checks: bool = True) -> _Conversion:
    code = fn.__code__
    per_code = _CODE_CACHE.get(code)
    options = _options(fn, checks)
    if per_code is not None and options in per_code:
        return per_code[options]
    conversion = _build(fn, options)
    _CODE_CACHE.setdefault(code, {})[options] = conversion
    return conversion


def _source_of(fn: types.FunctionType) -> tuple[str, str, int]:
    filename = fn.__code__.co_filename
    try:
        lines, first_line = inspect.getsourcelines(fn)
    except (OSError, TypeError) as exc:
        raise ConversionError(
            f"cannot read the source of {fn.__qualname__}: {exc}",
            filename=filename,
            line=fn.__code__.co_firstlineno,
            column=1,
            hint="define the function in a file (not in the REPL or exec), "
            "or mark it @autoflow.do_not_convert",
        ) from None
    return textwrap.dedent("".join(lines)), filename, max(first_line, 1)


def _build(fn: types.FunctionType, options: _Options | None = None) -> _Conversion:
    """Convert ``fn`` (read back from the disk cache where it can be); ``options`` default to its own."""
    if options is None:
        options = _options(fn, checks=True)
    if fn.__name__ == "<lambda>":
        return _build_lambda(fn)
    source, filename, first_line = _source_of(fn)
    if inspect.isgeneratorfunction(fn) or inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn):
        kind = "a generator" if inspect.isgeneratorfunction(fn) else "an async function"
        raise ConversionError(
            f"{fn.__qualname__} is {kind}, which autoflow cannot convert",
            filename=filename,
            line=first_line,
            column=1,
            source_line=source.splitlines()[0] if source else None,
            hint="keep generators and coroutines out of converted code, or mark them "
            "@autoflow.do_not_convert",
        )
    shadowed, avoid, checks = options.shadowed, options.avoid, options.checks
    cache = conversion_cache.cache_directory() if conversion_cache.keeps(filename) else None
    key, entry = "", None
    if cache is not None:
        key = conversion_cache.conversion_key(source, filename, first_line, (shadowed, avoid, checks))
        entry = conversion_cache.load(cache, key)
    if entry is None:
        # libcst (~150 ms to import) is loaded only when something needs converting.
        from autoflow.transpile import transpile_function

        result = transpile_function(source, filename, first_line, shadowed, avoid, checks)
        text, runtime_name = result.module.code, result.runtime_name
        smap = SourceMap(result.module, result.positions, filename, "", 0, fn.__qualname__)
        if cache is not None:
            conversion_cache.store(cache, key, conversion_cache.Entry(text, smap.lines(), runtime_name))
    else:
        text, runtime_name = entry.text, entry.runtime_name
        smap = SourceMap.from_lines(entry.lines, filename, "", 0, fn.__qualname__)
    class_name = _class_name(fn)
    _counter[0] += 1
    generated = f"<autoflow: {fn.__qualname__} #{_counter[0]}>"
    smap.generated_filename = generated
    register_source(generated, text)
    module_code = _executed_code(text, generated, fn, class_name, runtime_name)
    code = _requalify(_find_code(module_code, fn.__name__, class_name), fn.__qualname__)
    _SOURCE_MAPS[generated] = smap
    return _Conversion(source=text, code=code, source_map=smap, runtime_name=runtime_name)


def _class_name(fn: types.FunctionType) -> str | None:
    parts = fn.__qualname__.split(".")
    if len(parts) >= 2 and parts[-2] != "<locals>":
        return parts[-2]
    return None


# Fields of class and function nodes that newer Pythons require (PEP 695 type parameters).
_NEW_FIELDS: dict[str, Any] = {"type_params": []} if sys.version_info >= (3, 12) else {}


def _executed_code(
    text: str, filename: str, fn: types.FunctionType, class_name: str | None, runtime_name: str
) -> types.CodeType:
    """Compile the converted function (``text``, the displayed code) with its calls hooked, in the factory.

    Built with :mod:`ast`, not a second libcst pass: the tree of ``text`` gets
    the hooks and is nested in the factory and class, all on line 1 with the
    ``def``, so executed lines are the displayed lines (no offset).
    """
    tree = ast.parse(text, filename)
    fdef = tree.body[0]
    _HookCalls(frozenset(fn.__globals__), runtime_name).visit(fdef)
    # A class body, not the factory, binds the function's name, so a recursive
    # call still finds the global. A class named only by underscores mangles nothing.
    inner = ast.ClassDef(name=class_name or "_", bases=[], keywords=[], body=[fdef], decorator_list=[], **_NEW_FIELDS)
    params = [p for p in dict.fromkeys([runtime_name, _HOOK, *fn.__code__.co_freevars]) if p != "__class__"]
    args = ast.arguments(posonlyargs=[], args=[ast.arg(p) for p in params], kwonlyargs=[], kw_defaults=[], defaults=[])
    factory = ast.FunctionDef(name=_FACTORY, args=args, body=[inner], decorator_list=[], returns=None, **_NEW_FIELDS)
    for node in (inner, factory, *args.args):
        ast.copy_location(node, fdef)  # line of the `def`: executed lines are the displayed lines
    return compile(ast.Module(body=[factory], type_ignores=[]), filename, "exec", dont_inherit=True)


def _find_code(module_code: types.CodeType, name: str, class_name: str | None) -> types.CodeType:
    factory = next(c for c in module_code.co_consts if isinstance(c, types.CodeType) and c.co_name == _FACTORY)
    scope = next(
        c for c in factory.co_consts if isinstance(c, types.CodeType) and c.co_name == (class_name or "_")
    )
    return next(c for c in scope.co_consts if isinstance(c, types.CodeType) and c.co_name == name)


def _requalify(code: types.CodeType, qualname: str) -> types.CodeType:
    """Drop the factory from qualified names: ``f.<locals>._if_true_1``, as the user would expect."""
    consts = tuple(
        _requalify(c, f"{qualname}.<locals>.{c.co_name}") if isinstance(c, types.CodeType) else c
        for c in code.co_consts
    )
    if sys.version_info < (3, 11):  # pragma: no cover - no co_qualname before 3.11
        return code.replace(co_consts=consts)
    return code.replace(co_qualname=qualname, co_consts=consts)


class _HookCalls(ast.NodeTransformer):
    """``f(x)`` -> ``__autoflow_call__(f)(x)``, except runtime calls (``rt.*``) and plain builtins."""

    def __init__(self, module_names: frozenset[str], runtime_name: str | None = "rt") -> None:
        self.module_names = module_names
        self.runtime_name = runtime_name

    def visit_Call(self, node: ast.Call) -> ast.Call:
        self.generic_visit(node)
        func = node.func
        if isinstance(func, ast.Name):
            if func.id == _HOOK or (func.id in _PLAIN_CALLS and func.id not in self.module_names):
                return node
            if func.id.startswith(("_if_", "_elif_", "_loop_")):
                return node
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == self.runtime_name:
            return node
        hook = ast.copy_location(ast.Name(_HOOK, ast.Load()), func)
        node.func = ast.copy_location(ast.Call(func=hook, args=[func], keywords=[]), func)
        return node


def _make_function(
    fn: types.FunctionType, conversion: _Conversion, checks: bool = True
) -> types.FunctionType:
    code = conversion.code
    cells = dict(zip(fn.__code__.co_freevars, fn.__closure__ or ()))
    closure = []
    for name in code.co_freevars:
        if name == conversion.runtime_name:
            closure.append(types.CellType(rt))
        elif name == _HOOK:
            closure.append(types.CellType(_hook if checks else _hook_unchecked))
        else:
            closure.append(cells[name])
    new = types.FunctionType(code, fn.__globals__, fn.__name__, fn.__defaults__, tuple(closure) or None)
    new.__kwdefaults__ = fn.__kwdefaults__
    new.__qualname__ = fn.__qualname__
    new.__module__ = fn.__module__
    new.__doc__ = fn.__doc__
    new.__annotations__ = dict(fn.__annotations__)
    new.__dict__.update(fn.__dict__)
    return new


def _convert_function(fn: types.FunctionType, checks: bool = True) -> Callable[..., Any]:
    conversion = _conversion(fn, checks)
    inner = _make_function(fn, conversion, checks)
    maps = _SOURCE_MAPS

    @functools.wraps(fn)
    def converted(*args: Any, **kwargs: Any) -> Any:
        try:
            out = inner(*args, **kwargs)
        except Exception as exc:
            add_user_note(exc, maps)
            raise
        if type(out) in _MAY_HOLD_UNDEFINED:
            _check_bound(fn, out)
        return out

    setattr(converted, _ORIGINAL, fn)
    return converted


def _user_location(filename: str, line: int) -> str | None:
    """``file:line`` in the user's source for a line of converted code (runtime errors)."""
    smap = _SOURCE_MAPS.get(filename)
    if smap is None:
        return None
    user = smap.user_line(line)
    return f"{smap.filename}:{user}" if user is not None else None


register_location_resolver(_user_location)

_MAY_HOLD_UNDEFINED = frozenset({rt.Undefined, tuple, list, dict})


def _check_bound(fn: types.FunctionType, out: Any) -> None:
    """Python raises at ``return y`` if ``y`` is unbound: so do we, with the line of ``fn``."""
    unbound = find_undefined(out)
    if unbound is None:
        return
    try:
        unbound._fail()
    except rt.UndefinedValueError as exc:
        exc.add_note(
            f'in user code: File "{fn.__code__.co_filename}", line {fn.__code__.co_firstlineno}, '
            f"in {fn.__qualname__}: it returns {unbound.name!r}"
        )
        raise exc from None


# ---------------------------------------------------------------------------
# The recursion hook
# ---------------------------------------------------------------------------


def _library_roots() -> tuple[str, ...]:
    roots = set()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        path = sysconfig.get_paths().get(key)
        if path:
            roots.add(os.path.realpath(path))
    for prefix in (sys.prefix, sys.base_prefix, sys.exec_prefix):
        roots.add(os.path.realpath(os.path.join(prefix, "lib")))
    for pkg in (rt, sys.modules[__name__.split(".")[0]]):
        roots.add(os.path.realpath(os.path.dirname(pkg.__file__ or "")))
    return tuple(sorted(roots))


_ROOTS = _library_roots()
_USER_FILES: dict[str, bool] = {}


def _is_user_file(filename: str) -> bool:
    known = _USER_FILES.get(filename)
    if known is None:
        if filename.startswith("<"):
            known = False
        else:
            path = os.path.realpath(filename)
            known = not any(path.startswith(root + os.sep) for root in _ROOTS)
        _USER_FILES[filename] = known
    return known


def _is_user_function(fn: Any) -> bool:
    return (
        isinstance(fn, types.FunctionType)
        and not getattr(fn, _DO_NOT_CONVERT, False)
        and getattr(fn, _ORIGINAL, None) is None
        and _is_user_file(fn.__code__.co_filename)
    )


def _hook(fn: Any, checks: bool = True) -> Any:
    """What converted code calls instead of ``fn``: its converted version, or ``fn``.

    ``checks``: the ``runtime_checks`` of the caller, passed on to callees.
    """
    try:
        tp = type(fn)
        if tp is types.FunctionType:
            if not _is_user_function(fn):
                return fn
            per_fn = _FUNCTION_CACHE.get(fn)
            if per_fn is not None and checks in per_fn:
                return per_fn[checks]
            return _convert(fn, strict=False, checks=checks)
        if tp is types.MethodType:
            func = fn.__func__
            if _is_user_function(func):
                return types.MethodType(_convert(func, strict=False, checks=checks), fn.__self__)
            return fn
        converted = getattr(fn, _CONVERTED, None)
        if converted is not None:
            return converted  # an autoflow.jit object: inline its converted function
        if tp is functools.partial:
            return functools.partial(_hook(fn.func, checks), *fn.args, **fn.keywords)
        if isinstance(fn, type) or tp.__module__ == "builtins":
            return fn
        call = _type_call(fn)
        if _is_user_function(call):
            return types.MethodType(_convert(call, strict=False, checks=checks), fn)
        return fn
    except ConversionError:
        return fn  # no source (REPL, exec) or not convertible: run it as it is


def _hook_unchecked(fn: Any) -> Any:
    """:func:`_hook` for code converted with ``runtime_checks=False``."""
    return _hook(fn, checks=False)


# ---------------------------------------------------------------------------
# Lambdas: no statements to convert, but their calls are hooked
# ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=32)
def _lambdas_of_file(filename: str, text: str) -> list[tuple[int, int, int, cst.Lambda]]:
    """(line, body line, body column) of each lambda in a file (1-based lines, 0-based columns)."""
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    module = cst.parse_module(text)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    found = []
    for node, rng in positions.items():
        if isinstance(node, cst.Lambda):
            body = positions[node.body]
            found.append((rng.start.line, body.start.line, body.start.column, node))
    return found


def _build_lambda(fn: types.FunctionType) -> _Conversion:
    import linecache

    import libcst as cst

    code = fn.__code__
    filename = code.co_filename
    text = "".join(linecache.getlines(filename))
    where = {"filename": filename, "line": code.co_firstlineno, "column": 1}
    if not text:
        raise ConversionError("cannot read the source of a lambda", **where)  # type: ignore[arg-type]
    try:
        lambdas = _lambdas_of_file(filename, text)
    except cst.ParserSyntaxError:
        raise ConversionError("cannot parse the file that defines a lambda", **where) from None  # type: ignore[arg-type]
    params = list(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount])
    candidates = [
        entry
        for entry in lambdas
        if entry[0] == code.co_firstlineno
        and [p.name.value for p in (*entry[3].params.params, *entry[3].params.kwonly_params)] == params
    ]
    if len(candidates) > 1:
        positions = code.co_positions() if hasattr(code, "co_positions") else ()
        starts = [(ln, col) for ln, _, col, _ in positions if ln is not None and col is not None]
        first = min(starts) if starts else None
        candidates = [c for c in candidates if (c[1], c[2]) == first] or candidates[:0]
    if len(candidates) != 1:
        raise ConversionError("cannot tell which lambda of this line to convert", **where)  # type: ignore[arg-type]
    node = candidates[0][3]
    display = cst.Module(body=[cst.SimpleStatementLine([cst.Expr(node)])])
    _counter[0] += 1
    generated = f"<autoflow: lambda #{_counter[0]}>"
    register_source(generated, display.code)
    tree = ast.parse(display.code, generated)
    # A lambda's body is not rewritten, only hooked: the factory binds no runtime name,
    # so a global or closure ``rt`` of the user's is read as written.
    _HookCalls(frozenset(fn.__globals__), runtime_name=None).visit(tree)
    expr = tree.body[0]
    assert isinstance(expr, ast.Expr)
    params_ = list(dict.fromkeys([_HOOK, *code.co_freevars]))
    args = ast.arguments(
        posonlyargs=[], args=[ast.arg(p) for p in params_], kwonlyargs=[], kw_defaults=[], defaults=[]
    )
    factory = ast.FunctionDef(
        name=_FACTORY,
        args=args,
        body=[ast.copy_location(ast.Return(expr.value), expr)],
        decorator_list=[],
        returns=None,
        **_NEW_FIELDS,
    )
    for located in (factory, *args.args):
        ast.copy_location(located, expr)  # executed lines are the displayed line
    module_code = compile(ast.Module(body=[factory], type_ignores=[]), generated, "exec", dont_inherit=True)
    factory_code = next(c for c in module_code.co_consts if isinstance(c, types.CodeType) and c.co_name == _FACTORY)
    lambda_code = next(c for c in factory_code.co_consts if isinstance(c, types.CodeType) and c.co_name == "<lambda>")
    smap = SourceMap(display, {}, filename, generated, 0, "<lambda>")
    return _Conversion(source=display.code, code=lambda_code, source_map=smap, runtime_name="")
