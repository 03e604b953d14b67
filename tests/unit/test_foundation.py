import json
import subprocess
import sys

import pytest

from limo.cli import COMMANDS, main
from limo.config import StrictModel, load_config
from limo.errors import ConfigError
from limo.provenance import write_provenance


def test_help_is_instant_and_imports_nothing_heavy():
    # `limo --help` must not import torch/transformers/vllm/sympy (they take seconds).
    code = (
        "import contextlib, io, sys\n"
        "from limo.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['--help'])\n"
        "heavy = [m for m in ('torch', 'transformers', 'vllm', 'trl', 'sympy') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_every_command_module_has_the_interface():
    import importlib

    for name, (module, _help) in COMMANDS.items():
        mod = importlib.import_module(module)
        assert callable(mod.add_arguments) and callable(mod.run), name


def test_unknown_command_is_a_clear_error(capsys):
    with pytest.raises(SystemExit):
        main(["frobnicate"])
    assert "unknown command 'frobnicate'" in capsys.readouterr().err


class _Cfg(StrictModel):
    lr: float = 1e-5
    epochs: int = 1
    name: str


def test_config_reports_every_problem_at_once(tmp_path):
    p = tmp_path / "r.yaml"
    p.write_text("lr: fast\nepocs: 3\n")
    with pytest.raises(ConfigError) as e:
        load_config(_Cfg, p)
    msg = str(e.value)
    assert "3 problem(s)" in msg and "lr" in msg and "epocs" in msg and "name" in msg


def test_config_overrides(tmp_path):
    p = tmp_path / "r.yaml"
    p.write_text("name: a\n")
    cfg = load_config(_Cfg, p, ["lr=3e-4", "epochs=2"])
    assert (cfg.lr, cfg.epochs, cfg.name) == (3e-4, 2, "a")


def test_provenance_records_config_versions_hashes(tmp_path):
    data = tmp_path / "in.jsonl"
    data.write_text("{}\n")
    path = write_provenance(tmp_path / "out", {"k": 1}, [data])
    rec = json.loads(path.read_text())
    assert rec["config"] == {"k": 1}
    assert rec["versions"]["python"]
    assert rec["inputs"][str(data)].startswith("ca3d163b")  # sha256 of "{}\n"
