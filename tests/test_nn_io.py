"""nn.save / nn.load: exact round trips, atomic writes, and every kind of bad file rejected with the model untouched."""

import json
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

import nn
from nn import MLP, Layer, ModelFileError, Neuron


def _document(model: nn.Module) -> dict:
    return {"format": "chainrule.nn", "version": 1, "model": model.config(), "state": model.state_dict()}


@pytest.mark.parametrize(
    "model",
    [
        MLP(2, [3, 1], seed=0),
        MLP(3, [4, 4, 2], activation=["tanh", "leaky_relu", "sigmoid"], bias=False, seed=1),
        Layer(2, 3, "tanh", seed=2),
        Neuron(4, "sigmoid", bias=False, seed=3),
    ],
    ids=["mlp", "mlp-mixed-nobias", "layer", "neuron"],
)
def test_round_trip_is_exact(tmp_path: Path, model: nn.Module) -> None:
    path = tmp_path / "model.json"
    nn.save(model, path)
    copy = nn.load(path)
    assert type(copy) is type(model)
    assert copy.config() == model.config()
    assert copy.state_dict() == model.state_dict()  # floats written with repr: bit for bit
    x = [0.3, -0.7, 1.1, 0.2][: model.nin]
    assert nn.predict(copy, [x]).tolist() == nn.predict(model, [x]).tolist()


def test_file_has_format_version_architecture_and_named_weights(tmp_path: Path) -> None:
    model = MLP(2, [1], seed=0)
    path = tmp_path / "m.json"
    nn.save(model, str(path))
    doc = json.loads(path.read_text())
    assert doc["format"] == "chainrule.nn"
    assert doc["version"] == 1
    assert doc["model"] == {"type": "MLP", "nin": 2, "sizes": [1], "activations": ["linear"], "bias": True}
    assert list(doc["state"]) == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"]


def test_load_into_an_existing_model(tmp_path: Path) -> None:
    saved, target = MLP(2, [3, 1], seed=0), MLP(2, [3, 1], seed=9)
    path = tmp_path / "m.json"
    nn.save(saved, path)
    assert nn.load(path, target) is target
    assert target.state_dict() == saved.state_dict()


def test_load_into_a_different_architecture_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    nn.save(MLP(2, [3, 1], seed=0), path)
    other = MLP(2, [4, 1], seed=1)
    before = other.state_dict()
    with pytest.raises(ModelFileError, match=r"holds MLP\(2, \[3, 1\].* but the model is MLP\(2, \[4, 1\]"):
        nn.load(path, other)
    assert other.state_dict() == before
    same_shape = MLP(2, [3, 1], activation="tanh", seed=1)
    with pytest.raises(ModelFileError, match="but the model is"):
        nn.load(path, same_shape)


def test_overwrite_is_atomic_and_leaves_no_temporary_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "m.json"
    nn.save(MLP(2, [1], seed=0), path)
    old = path.read_text()
    nn.save(MLP(2, [1], seed=1), path)
    assert path.read_text() != old
    assert os.listdir(tmp_path) == ["m.json"]

    # a failure at the last moment (the rename) leaves the previous file whole, and no temp file
    current = path.read_text()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk on fire"):
        nn.save(MLP(2, [1], seed=2), path)
    assert path.read_text() == current
    assert os.listdir(tmp_path) == ["m.json"]


@pytest.fixture
def umask_022() -> Iterator[None]:
    """Run the test under umask 0o022 (the usual default), restoring the process's umask after."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.usefixtures("umask_022")
def test_a_new_file_gets_the_usual_permissions_not_mkstemps_0600(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    nn.save(MLP(2, [1], seed=0), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # 0o666 less the umask, as open() gives
    os.umask(0o077)
    private = tmp_path / "private.json"
    nn.save(MLP(2, [1], seed=0), private)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600


@pytest.mark.usefixtures("umask_022")
def test_an_overwritten_file_keeps_its_permissions(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    nn.save(MLP(2, [1], seed=0), path)
    os.chmod(path, 0o640)
    nn.save(MLP(2, [1], seed=1), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert nn.load(path).state_dict() == MLP(2, [1], seed=1).state_dict()  # the new file, not the old one


def test_save_refuses_non_modules_and_missing_directories(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="save expects an nn module"):
        nn.save({"w": 1.0}, tmp_path / "m.json")
    with pytest.raises(TypeError, match="cannot save a Module: Module does not describe its architecture"):
        nn.save(nn.Module(), tmp_path / "m.json")
    assert os.listdir(tmp_path) == []
    with pytest.raises(FileNotFoundError):
        nn.save(MLP(2, [1], seed=0), tmp_path / "missing" / "m.json")


def test_missing_file() -> None:
    with pytest.raises(FileNotFoundError):
        nn.load("/nonexistent/model.json")


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "model.pkl"
    path.write_bytes(b"\x80\x04\x95\x00")  # a pickle header: never unpickled, refused as text
    with pytest.raises(ModelFileError, match="not UTF-8 text"):
        nn.load(path)


def _mutate(doc: dict, path: tuple, value: object) -> dict:
    target = doc
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return doc


_DELETE = object()
W = "layers.0.neurons.1.w.0"

BAD_DOCUMENTS = [
    # (what is changed, new value, message fragment)
    (("format",), "pickle", "format is 'pickle', expected 'chainrule.nn'"),
    (("format",), _DELETE, "missing key\\(s\\) 'format'"),
    (("version",), _DELETE, "missing key\\(s\\) 'version'"),
    (("model",), _DELETE, "missing key\\(s\\) 'model'"),
    (("state",), _DELETE, "missing key\\(s\\) 'state'"),
    (("version",), 2, "format version 2 is not supported"),
    (("version",), 0, "format version 0 is not supported"),
    (("version",), "1", "version must be an integer"),
    (("version",), True, "version must be an integer"),
    (("model",), [1, 2], "'model' must be an object"),
    (("state",), [1.0, 2.0], "'state' must be an object"),
    (("model", "type"), "CNN", "unknown model type 'CNN'"),
    (("model", "nin"), _DELETE, "missing 'nin'"),
    (("model", "nin"), 0, "nin must be a positive integer"),
    (("model", "nin"), "2", "field 'nin' must be an integer, got '2'"),
    (("model", "nin"), True, "field 'nin' must be an integer, got True"),
    (("model", "bias"), 1, "field 'bias' must be true or false, got 1"),
    (("model", "sizes"), "3", "field 'sizes' must be a list"),
    (("model", "activations"), _DELETE, "the MLP architecture is missing 'activations'"),
    (("model", "extra"), 1, "unexpected architecture field\\(s\\) 'extra'"),
    (("model", "activations"), ["relu", "swish"], "activations\\[1\\] must be one of"),
    (("model", "activations"), ["relu"], "one activation per layer: 2 size\\(s\\), 1 activation\\(s\\)"),
    (("model", "sizes"), [3, 2], "has 17 parameters but the state lists 13"),  # wrong sizes
    (("model", "sizes"), [10**9, 1], "parameters but the state lists 13"),  # refused before allocating
    (("model", "sizes"), [3, -1], "sizes\\[1\\] must be a positive integer"),
    (("state", W), _DELETE, "the state lists 12"),
    (("state", W), "abc", f"state\\['{W}'\\] must be a real number, got str"),
    (("state", W), None, f"state\\['{W}'\\] must be a real number, got NoneType"),
    (("state", W), True, f"state\\['{W}'\\] must be a real number, got bool"),
    (("state", W), [1.0], f"state\\['{W}'\\] must be a real number, got list"),
]


@pytest.mark.parametrize(("where", "value", "match"), BAD_DOCUMENTS)
def test_bad_documents_are_rejected_and_the_model_is_unchanged(
    tmp_path: Path, where: tuple, value: object, match: str
) -> None:
    saved = MLP(2, [3, 1], seed=0)
    doc = _mutate(_document(saved), where, value)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    model = MLP(2, [3, 1], seed=5)
    before = model.state_dict()
    with pytest.raises(ModelFileError, match=match) as info:
        nn.load(path, model)
    assert str(path) in str(info.value)
    assert model.state_dict() == before
    with pytest.raises(ModelFileError, match=match):
        nn.load(path)


def test_renamed_parameter_is_named(tmp_path: Path) -> None:
    doc = _document(MLP(2, [3, 1], seed=0))
    doc["state"]["layers.0.neurons.9.w.0"] = doc["state"].pop(W)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match=f"missing '{W}'; unexpected 'layers.0.neurons.9.w.0'"):
        nn.load(path)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('{"format": "chainrule.nn", "version": 1,', "not valid JSON .*line 1, column 41"),
        ("", "not valid JSON"),
        ("[1, 2, 3]", "expected a JSON object at the top level, got list"),
        ("NaN", "NaN is not a number JSON allows"),
    ],
)
def test_malformed_json(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(ModelFileError, match=match):
        nn.load(path)


@pytest.mark.parametrize(
    ("literal", "match"),
    [("NaN", "NaN is not a number JSON allows"), ("Infinity", "Infinity is not"), ("1e999", "must be finite")],
)
def test_non_finite_numbers(tmp_path: Path, literal: str, match: str) -> None:
    model = MLP(2, [3, 1], seed=0)
    text = json.dumps(_document(model)).replace(json.dumps(model.state_dict()[W]), literal, 1)
    assert literal in text
    path = tmp_path / "bad.json"
    path.write_text(text)
    target = MLP(2, [3, 1], seed=1)
    before = target.state_dict()
    with pytest.raises(ModelFileError, match=match):
        nn.load(path, target)
    assert target.state_dict() == before


def test_from_config() -> None:
    model = nn.from_config({"type": "Layer", "nin": 2, "nout": 3, "activation": "relu", "bias": False})
    assert repr(model) == "Layer(2, 3, 'relu', bias=False)"
    with pytest.raises(ValueError, match="missing 'nout'"):
        nn.from_config({"type": "Layer", "nin": 2, "activation": "relu", "bias": False})


def test_save_into_a_missing_folder_names_the_folder(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such"
    with pytest.raises(FileNotFoundError, match=r"cannot write .*model\.json.*the folder .*such' does not exist"):
        nn.save(MLP(2, [1], seed=0), missing / "model.json")


# -- every malformed file is a ModelFileError ----------------------------------------------------


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.json"
    path.write_text(text)
    return path


def test_a_400_digit_integer_is_a_model_file_error(tmp_path: Path) -> None:
    document = _document(MLP(2, [1], seed=0))
    text = json.dumps(document).replace('"nin": 2', '"nin": ' + "9" * 400, 1)
    with pytest.raises(ModelFileError, match="an integer of 400 digits"):
        nn.load(_write(tmp_path, text))


def test_deep_nesting_is_a_model_file_error(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="nest more than 20 deep"):
        nn.load(_write(tmp_path, "[" * 100_000 + "]" * 100_000))


def test_brackets_inside_strings_are_not_nesting(tmp_path: Path) -> None:
    model = MLP(2, [1], seed=0)
    document = _document(model)
    document["model"]["activations"] = ["[{" * 100]  # refused for what it is, not as nesting
    with pytest.raises(ModelFileError, match=r"activations\[0\] must be one of"):
        nn.load(_write(tmp_path, json.dumps(document)))


@pytest.mark.parametrize(
    "text",
    [
        '{"format": "chainrule.nn", "format": "chainrule.nn", "version": 1, "model": {}, "state": {}}',
        '{"format": "chainrule.nn", "version": 1, "model": {}, "state": {"layers.0.neurons.0.b": 1.0, '
        '"layers.0.neurons.0.b": 2.0}}',
    ],
    ids=["two format keys", "a repeated parameter"],
)
def test_duplicate_keys_are_refused(tmp_path: Path, text: str) -> None:
    with pytest.raises(ModelFileError, match="appears twice in one object"):
        nn.load(_write(tmp_path, text))


def test_two_state_objects_are_refused(tmp_path: Path) -> None:
    document = _document(MLP(2, [1], seed=0))
    text = json.dumps(document)
    text = text[:-1] + ', "state": ' + json.dumps(document["state"]) + "}"
    with pytest.raises(ModelFileError, match="'state' appears twice"):
        nn.load(_write(tmp_path, text))


@pytest.mark.parametrize("kind", [[], {}, 3, None, True])
def test_a_type_of_the_wrong_kind_is_a_model_file_error(tmp_path: Path, kind: object) -> None:
    document = _document(MLP(2, [1], seed=0))
    document["model"]["type"] = kind
    with pytest.raises(ModelFileError, match="unknown model type"):
        nn.load(_write(tmp_path, json.dumps(document)))


def test_files_over_max_bytes_are_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    nn.save(MLP(2, [3, 1], seed=0), path)
    size = path.stat().st_size
    with pytest.raises(ModelFileError, match=rf"{size:,} bytes, more than max_bytes=100; pass a larger max_bytes="):
        nn.load(path, max_bytes=100)
    assert nn.load(path, max_bytes=size).state_dict() == MLP(2, [3, 1], seed=0).state_dict()
    assert nn.io.MAX_BYTES == 32 * 2**20


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_only_regular_files_are_read(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="not a regular file"):
        nn.load("/dev/zero")  # used to read until memory ran out
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(ModelFileError, match="not a regular file"):
        nn.load(fifo)  # never opened: opening a FIFO would wait for a writer
    with pytest.raises(ModelFileError, match="not a regular file"):
        nn.load(tmp_path)


# -- writing files ----------------------------------------------------------------------------------


def test_a_symlink_is_followed_and_its_target_replaced(tmp_path: Path) -> None:
    target = tmp_path / "run3.json"
    link = tmp_path / "latest.json"
    nn.save(MLP(2, [1], seed=0), target)
    link.symlink_to(target.name)
    nn.save(MLP(2, [1], seed=1), link)
    assert link.is_symlink()
    assert nn.load(target).state_dict() == MLP(2, [1], seed=1).state_dict()
    dangling = tmp_path / "next.json"
    dangling.symlink_to("made-by-save.json")
    nn.save(MLP(2, [1], seed=2), dangling)
    assert dangling.is_symlink()
    assert (tmp_path / "made-by-save.json").is_file()


def test_non_regular_files_are_never_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match=r"refusing to replace .*a FIFO"):
        nn.save(MLP(2, [1], seed=0), fifo)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    with pytest.raises(OSError, match=r"refusing to replace .*a directory"):
        nn.save(MLP(2, [1], seed=0), tmp_path)
    if os.path.exists("/dev/null"):
        before = os.stat("/dev/null")
        with pytest.raises(OSError, match="a device node"):
            nn.save(MLP(2, [1], seed=0), "/dev/null")
        assert os.stat("/dev/null").st_rdev == before.st_rdev
    assert sorted(os.listdir(tmp_path)) == ["fifo"]


@pytest.mark.parametrize("mode", [0o444, 0o000])
def test_a_read_only_file_is_refused_unless_forced(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "m.json"
    nn.save(MLP(2, [1], seed=0), path)
    path.chmod(mode)
    with pytest.raises(PermissionError, match=rf"read-only \(mode {mode:04o}\); pass force=True"):
        nn.save(MLP(2, [1], seed=1), path)  # also as root: the mode bits decide
    path.chmod(0o644)
    assert nn.load(path).state_dict() == MLP(2, [1], seed=0).state_dict()
    path.chmod(mode)
    nn.save(MLP(2, [1], seed=1), path, force=True)
    assert stat.S_IMODE(path.stat().st_mode) == mode  # replaced, permissions kept
    path.chmod(0o644)
    assert nn.load(path).state_dict() == MLP(2, [1], seed=1).state_dict()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_save_killed_midway_leaves_a_temporary_file_the_next_save_removes(tmp_path: Path) -> None:
    """kill -9 during saves left hidden .tmp files; now they are recognisable and cleaned up."""
    path = tmp_path / "m.json"
    nn.save(MLP(2, [1], seed=0), path)
    pid = os.fork()
    if pid == 0:  # the child: start a save and die before it renames (as kill -9 would stop it)
        import autograd.files

        def die(src: str, dst: str) -> None:
            os._exit(0)

        autograd.files.os.replace = die  # type: ignore[attr-defined]
        nn.save(MLP(2, [1], seed=1), path)
        os._exit(1)  # pragma: no cover - never reached
    os.waitpid(pid, 0)
    left = [n for n in os.listdir(tmp_path) if n != "m.json"]
    assert len(left) == 1
    assert left[0].startswith(f".m.json.chainrule-{pid}-")
    assert left[0].endswith(".tmp")
    nn.save(MLP(2, [1], seed=2), path)
    assert os.listdir(tmp_path) == ["m.json"]


def test_a_failed_write_removes_its_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "m.json"

    def broken_fsync(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk full"):
        nn.save(MLP(2, [1], seed=0), path)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("slack", [-1, 0, 1])
def test_save_never_writes_a_file_load_would_refuse(tmp_path: Path, slack: int) -> None:
    """A model saved within ``max_bytes`` loads with the same cap; one past it is refused before anything is written."""
    model = MLP(3, [4, 2], seed=0)
    probe = tmp_path / "probe.json"
    nn.save(model, probe)
    size = probe.stat().st_size
    path = tmp_path / "m.json"
    if slack < 0:
        with pytest.raises(ValueError, match=f"would be {size:,} bytes, more than max_bytes={size - 1:,}"):
            nn.save(model, path, max_bytes=size - 1)
        assert not path.exists()
        with pytest.raises(ModelFileError, match="more than max_bytes"):
            nn.load(probe, max_bytes=size - 1)
    else:
        nn.save(model, path, max_bytes=size + slack)
        assert nn.load(path, max_bytes=size + slack).state_dict() == model.state_dict()


def test_a_refused_save_leaves_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    nn.save(MLP(2, [1], seed=0), path)
    before = path.read_bytes()
    with pytest.raises(ValueError, match="pass a larger max_bytes= to both save and load"):
        nn.save(MLP(2, [8, 1], seed=1), path, max_bytes=len(before) + 10)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.json"]


def test_the_documented_capacity_of_max_bytes_is_right() -> None:
    """MAX_BYTES is documented as about 600,000 MLP parameters (about 52 bytes each); measured on a real file."""
    model = MLP(2, [120, 120, 1], seed=0)
    text = json.dumps(_document(model), indent=1) + "\n"
    per_parameter = len(text.encode()) / len(model.parameters())
    assert 45 < per_parameter < 55
    assert 550_000 < nn.io.MAX_BYTES / (per_parameter + 2) < 650_000  # names grow a digit or two in wider models
    assert "600,000 parameters" in (nn.io.__doc__ or "")


@pytest.mark.parametrize(
    "model",
    [MLP(3, [4, 12, 2], seed=0), MLP(2, [11, 1], bias=False, seed=0), Layer(12, 3, seed=0), Neuron(11, seed=0)],
    ids=["mlp", "mlp-nobias", "layer", "neuron"],
)
def test_names_are_known_from_the_architecture_without_building_it(model: nn.Module) -> None:
    spec = nn.io._spec(model.config())
    names = [name for name, _ in model.named_parameters()]
    assert list(nn.io._names(spec)) == names
    assert all(nn.io._is_name(spec, n) for n in names)
    others = [n.replace("w.", "w.0") for n in names] + [f"{n}.0" for n in names]
    others += [n.replace(".1", ".99") for n in names] + [n.replace("b", "w.99") for n in names]
    assert not any(nn.io._is_name(spec, n) for n in others if n not in names)


def test_a_file_with_wrong_names_is_refused_before_any_model_is_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file listing the right number of cheap wrong keys for a large model is refused without building it."""
    config = {"type": "MLP", "nin": 100, "sizes": [100, 100], "activations": ["relu", "linear"], "bias": True}
    doc = {"format": "chainrule.nn", "version": 1, "model": config, "state": {str(i): 0 for i in range(20_200)}}
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(doc))
    built: list[str] = []
    real_init = nn.Neuron.__init__

    def counting_init(self: nn.Neuron, *args: object, **kwargs: object) -> None:
        built.append("neuron")
        real_init(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(nn.Neuron, "__init__", counting_init)
    with pytest.raises(ModelFileError, match=re.escape("missing 'layers.0.neurons.0.w.0'; unexpected '0'")):
        nn.load(path)
    assert built == []
