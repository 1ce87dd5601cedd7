"""Save and load models as JSON: the architecture, the weights, and a format version.

Writes are atomic (a temporary file in the same directory, then :func:`os.replace`),
so a crash never leaves a half-written model file; the file keeps the permissions of the
file it replaces, or gets those of any new file (0o666 less the umask). A symlink is
followed (its target is replaced); a directory, FIFO or device at the path is never
replaced, nor a read-only file unless ``force=True``; temporary files are removed on every
error path, and those of a killed save are removed by the next save to the same path.

Reading accepts only a regular file of at most ``max_bytes`` (32 MiB by default, about
600,000 parameters of an MLP: each takes about 52 bytes) and checks everything — JSON syntax
(no key twice in one object, no number beyond float64, no nesting deeper than a model file
needs), format and version, the architecture, every parameter name, size and number —
before any weight is assigned, so on error the model in memory is unchanged; every
malformed file raises :class:`ModelFileError`. The parameter names are checked against
the architecture before any model is built, so a hostile file costs no more than parsing
it. Saving refuses a model whose file would be larger than ``max_bytes`` (the same cap),
so a file that :func:`save` writes is one :func:`load` reads. No pickle: a model file is
data, never code.

>>> import os, tempfile, nn
>>> model = nn.MLP(2, [3, 1], seed=0)
>>> path = os.path.join(tempfile.mkdtemp(), "model.json")
>>> nn.save(model, path)
>>> copy = nn.load(path)
>>> copy.state_dict() == model.state_dict(), copy
(True, MLP(2, [3, 1], activation=['relu', 'linear']))
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

import numpy as np

from autograd.files import write_atomic
from nn.layers import ACTIVATIONS, MLP, Layer, Neuron
from nn.module import Module

__all__ = ["FORMAT", "MAX_BYTES", "VERSION", "ModelFileError", "from_config", "load", "save"]

#: The ``"format"`` field of every model file.
FORMAT = "chainrule.nn"
#: The current format version (files of a newer version are refused).
VERSION = 1
#: The largest model file :func:`save` writes and :func:`load` reads unless given
#: ``max_bytes=``: 32 MiB, about 600,000 parameters of an MLP (each takes about 52 bytes).
MAX_BYTES = 32 * 2**20
_MAX_DEPTH = 20  # a model file nests 3 deep; anything much deeper is not one
_MAX_DIGITS = 20  # the integers of a model file are sizes and versions


class ModelFileError(ValueError):
    """A model file could not be read: the message names the file and the problem."""


def save(model: Module, path: str | os.PathLike[str], *, force: bool = False, max_bytes: int = MAX_BYTES) -> None:
    """Write ``model`` (architecture and weights) to ``path`` as JSON, atomically.

    An existing file is replaced whole and keeps its permissions; a new file gets
    ``0o666`` less the process umask, as :func:`open` would give it. A symlink is followed
    and its target replaced.

    Args:
        model: The model.
        path: The file.
        force: Replace the file even if it is read-only.
        max_bytes: Refuse to write a file larger than this (default :data:`MAX_BYTES`, the
            largest file :func:`load` reads by default): a file is never written that
            ``load(path, max_bytes=max_bytes)`` would refuse.

    Raises:
        TypeError: if ``model`` cannot describe its architecture.
        ValueError: if the file would be larger than ``max_bytes`` (nothing is written).
        OSError: if the file cannot be written (an existing file is left as it was): the
            folder is missing, the path is a directory, FIFO or device node, or a
            read-only file without ``force`` (a :class:`PermissionError`).
    """
    if not isinstance(model, Module):
        raise TypeError(f"save expects an nn module, got {type(model).__name__}")
    try:
        config = model.config()
    except NotImplementedError as exc:
        raise TypeError(f"cannot save a {type(model).__name__}: {exc}") from None
    _check_max_bytes(max_bytes)
    state = model.state_dict()
    document = {"format": FORMAT, "version": VERSION, "model": config, "state": state}
    data = (json.dumps(document, indent=1, allow_nan=False) + "\n").encode("utf-8")
    if len(data) > max_bytes:
        raise ValueError(
            f"cannot save {model!r} ({len(state):,} parameters) to {str(path)!r}: the file would be "
            f"{len(data):,} bytes, more than max_bytes={max_bytes:,}, so nn.load would refuse it; "
            "pass a larger max_bytes= to both save and load"
        )
    write_atomic(path, data, force=force)


def _check_max_bytes(max_bytes: object) -> None:
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
        raise ValueError(f"max_bytes must be a positive int, got {max_bytes!r}")


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a number JSON allows")


_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)  # a JSON string, escapes included
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_DIGITS = re.compile(rf"\d{{{_MAX_DIGITS + 1}}}")
_LONG_INTEGER = re.compile(rf"(?<![\w.+-])-?(\d{{{_MAX_DIGITS + 1},}})(?![\d.eE])")


def _prescan(text: str) -> None:
    """Refuse what no model file has — deep nesting, huge integers — in time linear in the text, before parsing.

    The common case costs two scans at C speed; a closer look (strings set aside) only
    when a long run of digits or many brackets are there at all.

    Raises:
        ValueError: naming the problem.
    """
    long_digits = _DIGITS.search(text) is not None
    many_brackets = text.count("[") + text.count("{") > _MAX_DEPTH
    if not (long_digits or many_brackets):
        return
    outside = _STRING.sub('""', text)  # brackets and digits inside strings are not structure
    long = _LONG_INTEGER.search(outside) if long_digits else None
    if long:
        raise ValueError(f"an integer of {len(long.group(1)):,} digits is not a size or a version")
    brackets = np.frombuffer(_NOT_BRACKET.sub("", outside).encode("ascii"), dtype=np.uint8)
    depth = 0
    for start in range(0, brackets.size, 1 << 20):  # the running depth, a chunk at a time (flat memory)
        chunk = brackets[start : start + (1 << 20)]
        running = depth + np.cumsum(np.where((chunk == ord("[")) | (chunk == ord("{")), 1, -1).astype(np.int32))
        if int(running.max()) > _MAX_DEPTH:
            raise ValueError(f"brackets nest more than {_MAX_DEPTH} deep; not a model file")
        depth = int(running[-1])


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(
            f"the number {text[:40]}{'…' if len(text) > 40 else ''} overflows float64 (numbers must be finite)"
        )
    return value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):  # find the key given twice (only then: the common case runs at C speed)
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"the key {key[:80]!r} appears twice in one object")
            seen.add(key)
    return out


def _read(path: str | os.PathLike[str], where: str, max_bytes: int) -> str:
    """The text of a regular file of at most ``max_bytes`` bytes, or ModelFileError."""
    if os.path.exists(path) and not os.path.isfile(path):  # never open a FIFO (it would block) or a device
        raise ModelFileError(f"{where}: not a regular file; a model file is one")
    with open(path, "rb") as f:  # a symlink is followed
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):  # replaced by something else since the check above
            raise ModelFileError(f"{where}: not a regular file; a model file is one")
        if st.st_size > max_bytes:
            raise ModelFileError(
                f"{where}: {st.st_size:,} bytes, more than max_bytes={max_bytes:,}; "
                "pass a larger max_bytes= to read it if you trust it"
            )
        data = f.read(max_bytes + 1)  # the file may grow meanwhile
    if len(data) > max_bytes:
        raise ModelFileError(f"{where}: more than max_bytes={max_bytes:,} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ModelFileError(f"{where}: not UTF-8 text (byte {exc.start}); not a model file") from None


def load(path: str | os.PathLike[str], model: Module | None = None, *, max_bytes: int = MAX_BYTES) -> Module:
    """Read a model written by :func:`save`.

    Args:
        path: The file: a regular file (a symlink to one is followed).
        model: If given, load the weights into this model (its architecture must match
            the file's) and return it; otherwise build a new model.
        max_bytes: Refuse a larger file (default :data:`MAX_BYTES`, 32 MiB).

    Raises:
        ModelFileError: naming the file and what is wrong (not a regular file, too large,
            malformed JSON, a key twice in one object, a number beyond float64, nesting
            deeper than a model file's, another format or a newer version, a missing key,
            an unknown architecture, wrong types or sizes, a non-numeric or non-finite
            number, a different architecture than ``model``). The model in memory is then
            unchanged.
        OSError: if the file cannot be opened.
    """
    where = str(path)
    _check_max_bytes(max_bytes)
    text = _read(path, where, max_bytes)
    try:
        _prescan(text)
        document = json.loads(
            text,
            parse_constant=_reject_constant,
            parse_float=_parse_float,
            object_pairs_hook=_no_duplicates,
        )
    except RecursionError:  # unreachable after _prescan's depth check; kept so nothing escapes as a crash
        raise ModelFileError(f"{where}: brackets nest more than {_MAX_DEPTH} deep; not a model file") from None
    except json.JSONDecodeError as exc:
        raise ModelFileError(f"{where}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    except ValueError as exc:  # from the hooks above
        raise ModelFileError(f"{where}: {exc}") from None
    try:
        config, state = _document(document)
        spec = _spec(config, parameters=len(state))
        _check_names(spec, state)  # before anything is built: a hostile file costs no more than its parsing
        fresh = _build(spec)
        fresh.load_state_dict(state)  # checks every number
        if model is None:
            return fresh
        if model.config() != fresh.config():
            raise ValueError(f"the file holds {fresh!r} but the model is {model!r}")
        model.load_state_dict(state)
        return model
    except (TypeError, ValueError, OverflowError) as exc:
        raise ModelFileError(f"{where}: {exc}") from None


def _document(document: object) -> tuple[Mapping[str, Any], Mapping[str, object]]:
    if not isinstance(document, dict):
        raise ValueError(f"expected a JSON object at the top level, got {type(document).__name__}")
    missing = [key for key in ("format", "version", "model", "state") if key not in document]
    if missing:
        raise ValueError(f"missing key(s) {', '.join(repr(k) for k in missing)}")
    if document["format"] != FORMAT:
        raise ValueError(f"format is {document['format']!r}, expected {FORMAT!r}")
    version = document["version"]
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValueError(f"version must be an integer, got {version!r}")
    if version > VERSION or version < 1:
        raise ValueError(f"format version {version} is not supported (this chainrule reads version {VERSION})")
    config, state = document["model"], document["state"]
    if not isinstance(config, dict):
        raise ValueError(f"'model' must be an object describing the architecture, got {type(config).__name__}")
    if not isinstance(state, dict):
        raise ValueError(f"'state' must be an object of parameter names and numbers, got {type(state).__name__}")
    return config, state


_KINDS = {int: "an integer", bool: "true or false", str: "a string", list: "a list"}


def _field(config: Mapping[str, Any], key: str, kind: type) -> Any:
    if key not in config:
        raise ValueError(f"the {config.get('type')} architecture is missing {key!r}")
    value = config[key]
    if isinstance(value, bool) != (kind is bool) or not isinstance(value, kind):
        raise ValueError(f"architecture field {key!r} must be {_KINDS[kind]}, got {value!r}")
    return value


def _size(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{what} must be a positive integer, got {value!r}")
    return value


def _activation(value: object, what: str) -> str:
    if not isinstance(value, str) or value not in ACTIVATIONS:
        raise ValueError(f"{what} must be one of {', '.join(ACTIVATIONS)}, got {value!r}")
    return value


_KEYS = {
    "Neuron": {"type", "nin", "activation", "bias"},
    "Layer": {"type", "nin", "nout", "activation", "bias"},
    "MLP": {"type", "nin", "sizes", "activations", "bias"},
}


def from_config(config: Mapping[str, Any], *, parameters: int | None = None) -> Module:
    """Build a model (with fresh weights) from the architecture ``model.config()`` returns.

    Args:
        config: The architecture.
        parameters: If given, the number of parameters the model must have; checked
            before anything is built (a file cannot make us allocate a huge model).

    Raises:
        ValueError: naming the field that is missing, unexpected or invalid.
    """
    return _build(_spec(config, parameters=parameters))


@dataclass(frozen=True)
class _Spec:
    """A checked architecture: what :func:`_build` builds and :func:`_names` names."""

    kind: str
    nin: int
    sizes: list[int]  # one width per layer (a Neuron: [1]; a Layer: [nout])
    activations: list[str]
    bias: bool


def _spec(config: Mapping[str, Any], *, parameters: int | None = None) -> _Spec:
    """The architecture ``config`` checked field by field, and its parameter count against ``parameters``."""
    kind = config.get("type")
    if not isinstance(kind, str) or kind not in _KEYS:
        raise ValueError(f"unknown model type {kind!r}; expected one of {', '.join(_KEYS)}")
    unexpected = sorted(set(config) - _KEYS[kind])
    if unexpected:
        raise ValueError(f"unexpected architecture field(s) {', '.join(repr(k) for k in unexpected)} for {kind}")
    nin = _size(_field(config, "nin", int), "nin")
    bias = _field(config, "bias", bool)
    if kind == "Neuron":
        sizes, activations = [1], [_activation(_field(config, "activation", str), "activation")]
    elif kind == "Layer":
        sizes = [_size(_field(config, "nout", int), "nout")]
        activations = [_activation(_field(config, "activation", str), "activation")]
    else:
        sizes = [_size(s, f"sizes[{i}]") for i, s in enumerate(_field(config, "sizes", list))]
        activations = [_activation(a, f"activations[{i}]") for i, a in enumerate(_field(config, "activations", list))]
        if not sizes or len(activations) != len(sizes):
            raise ValueError(
                f"an MLP needs one activation per layer: {len(sizes)} size(s), {len(activations)} activation(s)"
            )
    fan_in = [nin, *sizes[:-1]]
    _check_count(kind, sum((i + bias) * o for i, o in zip(fan_in, sizes, strict=True)), parameters)
    return _Spec(kind, nin, sizes, activations, bias)


def _build(spec: _Spec) -> Module:
    if spec.kind == "Neuron":
        return Neuron(spec.nin, spec.activations[0], bias=spec.bias, seed=0)
    if spec.kind == "Layer":
        return Layer(spec.nin, spec.sizes[0], spec.activations[0], bias=spec.bias, seed=0)
    return MLP(spec.nin, spec.sizes, spec.activations, bias=spec.bias, seed=0)


def _names(spec: _Spec) -> Iterator[str]:
    """The parameter names of the model ``spec`` describes, in ``named_parameters()`` order, without building it."""
    fan_in = [spec.nin, *spec.sizes[:-1]]
    for layer, (nin, nout) in enumerate(zip(fan_in, spec.sizes, strict=True)):
        for neuron in range(nout):
            prefix = {"Neuron": "", "Layer": f"neurons.{neuron}.", "MLP": f"layers.{layer}.neurons.{neuron}."}
            yield from (f"{prefix[spec.kind]}w.{i}" for i in range(nin))
            if spec.bias:
                yield f"{prefix[spec.kind]}b"


def _check_names(spec: _Spec, state: Mapping[str, object]) -> None:
    """Refuse a state that lacks one of the architecture's names, naming it and a key that is not one.

    ``state`` has as many keys as the architecture has parameters (checked by :func:`_spec`), so
    a missing name means an unexpected key; no list or set of all the names is ever built.
    """
    for name, key in zip(_names(spec), state, strict=True):
        if name != key and name not in state:
            unexpected = next(k for k in state if not _is_name(spec, k))
            raise ValueError(
                f"state does not match the model's {len(state)} parameters: "
                f"missing {name!r}; unexpected {str(unexpected)[:80]!r}"
            )


_NAME = re.compile(r"(?:layers\.(\d{1,9})\.)?(?:neurons\.(\d{1,9})\.)?(?:w\.(\d{1,9})|(b))")


def _is_name(spec: _Spec, key: object) -> bool:
    """Whether ``key`` is one of the parameter names of the model ``spec`` describes."""
    m = _NAME.fullmatch(key) if isinstance(key, str) else None
    if m is None:
        return False
    layer_text, neuron_text, weight_text, bias = m.groups()
    if (layer_text is not None) != (spec.kind == "MLP") or (neuron_text is not None) != (spec.kind != "Neuron"):
        return False
    layer, neuron = int(layer_text or 0), int(neuron_text or 0)
    if layer >= len(spec.sizes) or neuron >= spec.sizes[layer] or str(layer) != (layer_text or "0"):
        return False
    if neuron_text is not None and str(neuron) != neuron_text:
        return False
    if bias is not None:
        return spec.bias
    fan_in = spec.nin if layer == 0 else spec.sizes[layer - 1]
    return int(weight_text) < fan_in and str(int(weight_text)) == weight_text


def _check_count(kind: str, count: int, expected: int | None) -> None:
    if expected is not None and count != expected:
        raise ValueError(f"the {kind} architecture has {count} parameters but the state lists {expected}")
