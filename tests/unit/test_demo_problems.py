import re

import pytest

from limo.demo.knowledge import _batch, operands
from limo.demo.problems import column_lines, generate, knowledge_prompt, make, parse_chat_answer, parse_knowledge_answer


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


def test_the_elaborated_chain_is_the_knowledge_answer_with_the_sum_boxed_then_a_check():
    # SFT's job is kept minimal: the chain is the chat answer the base already writes, line for line, with
    # its sum line boxed, then a check after the box (the grader reads the last box). No slips by default.
    for g in generate(200, seed=9, levels=(2, 3)):
        answer, chain = g.answered.splitlines(), g.elaborated.splitlines()
        assert chain[:len(answer) - 1] == answer[:-1] and answer[-1] == f"Sum: {g.answer}"
        assert chain[len(answer) - 1:] == [f"Sum: \\boxed{{{g.answer}}}", chain[-1]]
        assert chain[-1].startswith(f"Check: {g.answer} - ") and chain[-1].endswith(". Correct.")
        assert "Wait" not in g.elaborated


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
    # a curated chain is the same answer with the sum boxed, then a check
    assert g.elaborated.startswith(answer.replace("Sum: 43", "Sum: \\boxed{43}\nCheck: 43 - 36 = 7."))


def test_chat_answer_parsing_reads_only_the_unboxed_sum_line():
    g = make(7, 36, slip=False, level=2)
    assert parse_chat_answer(g.answered) == 43
    assert parse_chat_answer(g.elaborated) is None  # the boxed sum is the evaluated format, not this one
    assert parse_chat_answer("ones 7+6=13\nSum: 4") == 4 and parse_chat_answer("Sum: 43.\n") is None
