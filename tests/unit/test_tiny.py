"""The tiny model is what every CPU test and the demo trains and samples: it must load like Qwen2.5."""

from limo.prompts import LIMO_SYSTEM_PROMPT


def test_tiny_model_loads_and_generates(tiny_model):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_model)
    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    n = sum(p.numel() for p in model.parameters())
    assert 100_000 < n < 1_000_000
    assert model.config.head_dim >= 32
    ids = tok("12 + 34 = 46", return_tensors="pt").input_ids
    # digits are single tokens, as in Qwen2
    assert [tok.decode([i]) for i in ids[0][:2]] == ["1", "2"]
    out = model.generate(ids, max_new_tokens=5, do_sample=False)
    assert out.shape[1] > ids.shape[1]
    assert torch.isfinite(model(ids).logits).all()


def test_chat_template_masks_exactly_the_assistant_turn(tiny_model):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_model)
    msgs = [{"role": "system", "content": LIMO_SYSTEM_PROMPT},
            {"role": "user", "content": "What is 2+3?"},
            {"role": "assistant", "content": "2+3=5, so \\boxed{5}"}]
    enc = tok.apply_chat_template(msgs, tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
    trained = [t for t, m in zip(enc["input_ids"], enc["assistant_masks"]) if m]
    assert tok.decode(trained) == "2+3=5, so \\boxed{5}<|im_end|>"
    prompt = tok.apply_chat_template(msgs[:2], tokenize=False, add_generation_prompt=True)
    assert prompt.endswith("<|im_start|>assistant\n")
    assert tok.eos_token == "<|im_end|>"
