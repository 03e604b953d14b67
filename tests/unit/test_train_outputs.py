"""What a run leaves behind (tiny model, CPU): metrics JSONL and loss plot written while training, epoch
snapshots and the final model loadable by transformers, provenance, and LoRA merged into a plain model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("peft")

from limo.jsonl import read_jsonl  # noqa: E402
from limo.train import TrainConfig, main  # noqa: E402
from limo.train.toy import write_toy_chains  # noqa: E402


class Watcher:
    """Records, at every step, whether metrics.jsonl already holds that step (i.e. written as it trains)."""

    def __init__(self, out: Path):
        from transformers import TrainerCallback

        watcher = self

        class CB(TrainerCallback):
            def on_step_begin(self, args, state, control, **kw):
                path = out / "metrics.jsonl"
                watcher.seen.append(len(read_jsonl(path)) if path.exists() else 0)

        self.seen: list[int] = []
        self.callback = CB()


def run(tiny_model: Path, tmp_path: Path, **kw) -> tuple[Path, Path]:
    data = write_toy_chains(tmp_path / "chains.jsonl", 8, seed=2)
    out = tmp_path / "run"
    cfg = TrainConfig(model=str(tiny_model), data=str(data), output_dir=str(out), max_length=512,
                      learning_rate=1e-3, global_batch_size=4, precision="fp32", gradient_checkpointing=False,
                      device="cpu", plot_every=1, **{"epochs": 2, **kw})
    watcher = Watcher(out)
    final = main(cfg, callbacks=[watcher.callback])
    steps = int(cfg.epochs * 8 / 4)
    assert watcher.seen == list(range(steps))  # one row per step, on disk before the next step starts
    return out, final


def test_run_outputs_and_checkpoints_load_in_transformers(tiny_model, tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out, final = run(tiny_model, tmp_path)
    rows = read_jsonl(out / "metrics.jsonl")
    assert [r["step"] for r in rows if "loss" in r] == [1, 2, 3, 4]
    assert all({"loss", "grad_norm", "learning_rate", "mean_token_accuracy"} <= set(r) for r in rows if "loss" in r)
    assert (out / "loss.png").read_bytes()[:4] == b"\x89PNG"
    assert final == out / "final" and {"epoch-1", "epoch-2"} <= {p.name for p in out.iterdir()}
    assert not list((out / "epoch-1").glob("optimizer*"))  # weights only
    report = json.loads((out / "data_report.json").read_text())
    assert report["kept"] == 8 and report["example"]["trained"].endswith("<|im_end|>")
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["config"]["global_batch_size"] == 4 and any(k.endswith("chains.jsonl") for k in prov["inputs"])
    for folder in (out / "epoch-1", final):
        model = AutoModelForCausalLM.from_pretrained(folder)
        tok = AutoTokenizer.from_pretrained(folder)
        ids = tok.apply_chat_template([{"role": "user", "content": "What is 2 times 3?"}],
                                      add_generation_prompt=True, return_tensors="pt", return_dict=True)
        gen = model.generate(**ids, max_new_tokens=4, do_sample=False)
        assert gen.shape[1] == ids["input_ids"].shape[1] + 4 or gen[0, -1] == tok.eos_token_id
    base = AutoModelForCausalLM.from_pretrained(tiny_model).state_dict()
    trained = AutoModelForCausalLM.from_pretrained(final).state_dict()
    assert any(not torch.equal(base[k], trained[k]) for k in base)


def test_lora_is_merged_into_a_plain_model(tiny_model, tmp_path):
    from transformers import AutoModelForCausalLM

    out, final = run(tiny_model, tmp_path, lora={"r": 4, "alpha": 8, "target_modules": ["q_proj", "v_proj"]},
                     save_epochs=False, epochs=1)
    assert not (final / "adapter_config.json").exists()
    base = AutoModelForCausalLM.from_pretrained(tiny_model).state_dict()
    merged = AutoModelForCausalLM.from_pretrained(final).state_dict()
    assert set(merged) == set(base)
    changed = {k for k in base if not torch.equal(base[k], merged[k])}
    assert changed and all("q_proj" in k or "v_proj" in k for k in changed)
