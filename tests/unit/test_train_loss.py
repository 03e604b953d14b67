"""Loss invariances of `limo train` on the tiny model (CPU): the same global batch gives the same update
whether it arrives as one batch, as accumulated micro-batches or as a padding-free row, under both loss
normalisations; and resuming from a checkpoint reproduces the uninterrupted run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("trl")

from limo.jsonl import read_jsonl  # noqa: E402
from limo.train import TrainConfig, main  # noqa: E402
from limo.train.loss import count_sequences, per_sequence_sum, sequence_ids  # noqa: E402
from limo.train.toy import write_toy_chains  # noqa: E402


@pytest.fixture(scope="module")
def chains(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_toy_chains(tmp_path_factory.mktemp("data") / "chains.jsonl", 16, seed=1)


def train(tiny_model: Path, chains: Path, out: Path, **kw) -> tuple[list[float], dict[str, torch.Tensor]]:
    """Run a few steps; return the logged losses and the final weights."""
    base = dict(model=str(tiny_model), data=str(chains), output_dir=str(out), max_length=512,
                learning_rate=1e-3, global_batch_size=4, per_device_batch_size=1, max_steps=1,
                precision="fp32", gradient_checkpointing=False, device="cpu", save_epochs=False,
                logging_steps=1, seed=0)
    final = main(TrainConfig(**{**base, **kw}))
    from safetensors.torch import load_file

    losses = [r["loss"] for r in read_jsonl(out / "metrics.jsonl") if "loss" in r]
    return losses, load_file(final / "model.safetensors")


def assert_same(a: tuple, b: tuple, tol: float = 1e-5) -> None:
    assert a[0] == pytest.approx(b[0], rel=tol, abs=tol)
    for name in a[1]:
        torch.testing.assert_close(a[1][name], b[1][name], rtol=tol, atol=tol)


def test_batch_of_4_equals_4_accumulated_and_padding_free(tiny_model, chains, tmp_path):
    """Same loss and same update for bs 4, 1x4 accumulation and a padding-free row, under both
    normalisations; and the two normalisations differ (the knob is real on chains of mixed lengths)."""
    first = {}
    for norm in ("sequence", "token"):
        batch = train(tiny_model, chains, tmp_path / f"b4-{norm}", per_device_batch_size=4, loss_normalization=norm)
        accum = train(tiny_model, chains, tmp_path / f"ga4-{norm}", per_device_batch_size=1, loss_normalization=norm)
        flat = train(tiny_model, chains, tmp_path / f"pf4-{norm}", per_device_batch_size=4, padding_free=True,
                     loss_normalization=norm)
        assert len(batch[0]) == 1
        assert_same(batch, accum)
        assert_same(batch, flat)
        first[norm] = batch[0][0]
    assert first["sequence"] != pytest.approx(first["token"], rel=1e-4)


def test_per_sequence_weighting_by_hand():
    """Two sequences in one padding-free row: the loss is the mean of their token means."""
    labels = torch.tensor([[-100, 1, 1, -100, -100, 1, 1, 1, 1]])
    position_ids = torch.tensor([[0, 1, 2, 0, 1, 2, 3, 4, 5]])
    batch = {"labels": labels, "position_ids": position_ids}
    per_token = torch.tensor([[2.0, 2.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0]])  # shifted: targets labels[:, 1:]
    mask = labels[:, 1:] != -100
    assert count_sequences(batch) == 2
    total = per_sequence_sum(per_token * mask, mask, sequence_ids(batch)[:, 1:])
    assert total.item() == pytest.approx(2.0 + 1.0)  # per-token would weigh them 2:4


def test_resume_after_step_k_reproduces_losses(tiny_model, chains, tmp_path):
    full = tmp_path / "full"
    losses, weights = train(tiny_model, chains, full, max_steps=3, save_steps=1, save_total_limit=3)
    cut = tmp_path / "cut"
    cut.mkdir()
    shutil.copytree(full / "checkpoint-1", cut / "checkpoint-1")
    # A run killed after step 1 also left the recipe it pinned at start (limo.train.run.RECIPE_FILE).
    shutil.copy(full / "recipe.settings.json", cut / "recipe.settings.json")
    resumed_losses, resumed_weights = train(tiny_model, chains, cut, max_steps=3, save_steps=1, save_total_limit=3)
    assert len(losses) == 3
    assert resumed_losses == pytest.approx(losses[1:], rel=1e-6)
    for name in weights:
        torch.testing.assert_close(resumed_weights[name], weights[name], rtol=1e-6, atol=1e-6)


@pytest.mark.gpu
def test_bf16_padding_free_on_gpu_matches_padded(tiny_model, chains, tmp_path):
    """The GPU path (bf16 autocast over fp32 weights, padding-free rows): same first loss as padded."""
    gpu = dict(precision="bf16", device="auto", per_device_batch_size=4)
    padded = train(tiny_model, chains, tmp_path / "pad", **gpu)
    flat = train(tiny_model, chains, tmp_path / "flat", padding_free=True, **gpu)
    assert flat[0][0] == pytest.approx(padded[0][0], rel=2e-2)
