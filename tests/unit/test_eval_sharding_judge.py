"""Data-parallel sharding (deterministic, disjoint, covering) and the judge's strict verdict parsing."""

from __future__ import annotations

import pytest

from limo.errors import LimoError
from limo.eval.judge import judge_problems, judge_prompt, parse_verdict
from limo.eval.sharding import device_groups, in_shard, parse_shard, samples_name, shard_of
from limo.records import Problem, Sample, Verdict

KEYS = [(f"p{i}", k) for i in range(300) for k in range(4)]


@pytest.mark.parametrize("n", [1, 2, 3, 8])
def test_shards_partition_every_key_and_are_balanced(n):
    owners = [[s for s in range(n) if in_shard(pid, k, (s, n))] for pid, k in KEYS]
    assert all(len(o) == 1 for o in owners)  # each key in exactly one shard
    sizes = [sum(o[0] == s for o in owners) for s in range(n)]
    assert sum(sizes) == len(KEYS) and min(sizes) > 0.7 * len(KEYS) / n


def test_shard_assignment_depends_only_on_the_key():
    assert [shard_of(p, k, 4) for p, k in KEYS] == [shard_of(p, k, 4) for p, k in reversed(KEYS)][::-1]
    assert shard_of("p1", 0, 4) == shard_of("p1", 0, 4)
    assert in_shard("anything", 3, None)


def test_parse_shard_and_file_names():
    assert parse_shard("1/4") == (1, 4)
    for bad in ("4/4", "x/2", "1", "-1/2"):
        with pytest.raises(LimoError, match="--shard"):
            parse_shard(bad)
    assert samples_name(None) == "samples.jsonl"
    assert samples_name((1, 4), "judge") == "judge.shard-1-of-4.jsonl"


def test_device_groups_for_tensor_parallel_engines():
    assert device_groups(2, 2, "0,1,2,3") == ["0,1", "2,3"]
    assert device_groups(4, 1, "4,5,6,7") == ["4", "5", "6", "7"]
    with pytest.raises(LimoError, match="need 4 devices"):
        device_groups(2, 2, "0,1")


@pytest.mark.parametrize("reply,expected", [
    ("## Analysis\nSame value.\n## Correctness\nCORRECT", True),
    ("## Analysis\nDiffers.\n## Correctness\nWRONG", False),
    ("## Analysis\nx\n## Correctness\n**CORRECT**", True),
    ("## Correctness: WRONG", False),
    # LIMO's `"correct" in text.lower()` calls these correct:
    ("## Analysis\nx\n## Correctness\nINCORRECT", None),
    ("The answer is correct.", None),
    ("## Correctness\ncorrect", None),
    ("", None),
    # the last heading wins (a judge that restates the format first)
    ("## Correctness\nCORRECT or WRONG\n## Analysis\nno\n## Correctness\nWRONG", False),
])
def test_judge_verdict_parsing_is_strict(reply, expected):
    assert parse_verdict(reply) is expected


def test_judge_sees_the_extracted_answer_and_only_the_tail():
    p = Problem(id="7", problem="Compute 1+1.", answer="2")
    response = "x" * 10000 + "so the answer is \\boxed{2}"
    prompt = judge_prompt(p, "2", response, tail_chars=100)
    assert "## Standard Answer\n2" in prompt and "## Student's Final Answer\n2" in prompt
    assert "x" * 200 not in prompt and prompt.endswith("\\boxed{2}") and "omitted" in prompt
    s = Sample(problem_id="7", sample_index=3, response=response,
               verdict=Verdict(correct=True, reason="equal", extracted="2"))
    (jp,) = judge_problems({"7": p}, [s], 100)
    assert jp.id == "7#3" and jp.problem == prompt
    assert "(no final answer found)" in judge_prompt(p, None, "blah", 100)
