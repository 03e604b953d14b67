import re

import pytest

from limo.demo.knowledge import _batch, operands
from limo.demo.problems import column_lines, generate, knowledge_prompt, make, parse_knowledge_answer


def _boxed(text: str) -> int:
    return int(re.findall(r"\\boxed\{(-?\d+)\}", text)[-1])


@pytest.mark.parametrize("level", [1, 2, 3, 4])
def test_every_form_states_the_right_sum(level):
    for g in generate(300, seed=3, levels=(level,)):
        a, b = operands(g.question)
        assert g.answer == a + b and max(len(str(a)), len(str(b))) == level
        assert _boxed(g.terse) == g.answer and _boxed(g.elaborated) == g.answer
        assert g.elaborated.count("\\boxed") == 1 and len(g.elaborated) > 2 * len(g.terse)
        assert parse_knowledge_answer(g.knowledge) == g.answer
        assert "\\boxed" not in g.knowledge and "What is" not in g.knowledge  # another surface form


def test_columns_are_real_column_addition():
    # Re-derive the sum from the written digits alone (least significant first).
    for g in generate(400, seed=5, levels=(1, 2, 3)):
        a, b = operands(g.question)
        written = [int(m) for m in re.findall(r"=\d*?(\d)$", g.knowledge, flags=re.M)]
        assert int("".join(map(str, reversed(written)))) == a + b


def test_the_elaborated_chain_works_the_knowledge_method():
    # The chain repeats the knowledge text's columns (what SFT can unlock), plus checks and the box.
    for g in generate(200, seed=9, levels=(2,), slip_rate=0.0):
        body = g.knowledge.splitlines()[:-1]  # the header and the columns; the chain states the sum as "Sum: c"
        assert all(line in g.elaborated.splitlines() for line in body)
        assert f"Sum: {g.answer}" in g.elaborated.splitlines()


def test_slips_are_dropped_carries_caught_and_redone():
    g = make(75, 36, slip=True, level=2)
    lines = g.elaborated.splitlines()
    assert "tens 7+3=10" in lines and "tens 7+3+1=11" in lines
    assert lines.index("tens 7+3+1=11") > lines.index("Wait, I forgot the carry from the ones. Redo:") > lines.index(
        "tens 7+3=10")
    assert make(12, 34, slip=True, level=2).elaborated == make(12, 34, slip=False, level=2).elaborated  # no carry
    assert column_lines(0, 0) == ["ones 0+0=0"]


def test_deterministic_and_seed_sensitive():
    assert list(generate(50, seed=1)) == list(generate(50, seed=1))
    assert list(generate(50, seed=1)) != list(generate(50, seed=2))


def test_knowledge_answer_parsing_reads_the_stated_sum():
    assert parse_knowledge_answer("ones 7+5=12\ntens 0+0+1=1\nSo the sum is 12.") == 12
    assert parse_knowledge_answer("ones 7+5=12\ntens 0+0+1=1") is None
    assert knowledge_prompt(7, 5) == "7+5 by columns:\n"


def test_batches_are_whole_documents_from_position_0_with_padding_masked():
    b = _batch([[5, 6, 7], [8]], pad=0)
    assert b["input_ids"].tolist() == [[5, 6, 7], [8, 0, 0]]
    assert b["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]
    assert b["labels"].tolist() == [[5, 6, 7], [8, -100, -100]]


def test_operands_are_zero_padded_to_one_width():
    # Fixed-width operands put each digit at a fixed distance from the "+" (what the tiny model can learn).
    g = make(7, 36, slip=False, level=2)
    assert g.knowledge.splitlines() == ["07+36 by columns:", "ones 7+6=13", "tens 0+3+1=4", "So the sum is 43."]
    assert g.question == "What is 7 + 36?"
    assert column_lines(5, 100)[1] == "tens 0+0=0"  # every padded column is worked


def test_chat_knowledge_works_the_columns_and_states_the_sum_without_a_box():
    from limo.demo.data import chat_answer
    from limo.grade.extract import extract_answer

    g = make(7, 36, slip=False, level=2)
    text = chat_answer(g)
    assert text.startswith("<|im_start|>system\n") and "<|im_start|>user\nWhat is 7 + 36?<|im_end|>" in text
    answer = text.split("<|im_start|>assistant\n")[1].removesuffix("<|im_end|>")
    assert answer.splitlines() == ["We need 7 + 36.", "07+36 by columns:", "ones 7+6=13", "tens 0+3+1=4", "Sum: 43"]
    assert extract_answer(answer) == (None, None)  # the grader finds no answer: the base scores 0 on it
    assert g.elaborated.startswith(answer)  # a curated chain continues it with a check and the box
