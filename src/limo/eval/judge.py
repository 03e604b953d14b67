"""LLM judge for benchmarks whose golds rules cannot compare well (LIMO: gradeschool, kaoyan).

Differences from LIMO's eval_model_based.py, on purpose:
- the judge sees the problem, the gold, the *extracted* final answer and only the last `tail_chars`
  of the response (LIMO passed the whole response, which overflows a 32k judge context);
- it gets the full rule list of LIMO's prompt.txt (intervals exact, all solutions required), which
  LIMO's script omitted;
- the verdict is parsed strictly: the token after the last `## Correctness` heading must be exactly
  CORRECT or WRONG (LIMO tested `"correct" in text.lower()`, so "INCORRECT" counted as correct);
  anything else is `unparsed` and counts as wrong;
- rule-vs-judge disagreements are logged (RUN/<benchmark>/judge_disagreements.jsonl).

Judge calls go through `limo.generate` (any backend), so they are resumable like samples: judge
outputs are Sample records in RUN/<benchmark>/judge.jsonl keyed "<problem id>#<sample index>".
"""

from __future__ import annotations

import re
from typing import Any

from limo.records import Problem, Sample

JUDGE_SYSTEM_PROMPT = (
    "You are an experienced examiner. Compare the student's final answer with the standard answer and "
    "decide whether the student's final answer is correct. Do not solve the problem again.\n"
    "Rules:\n"
    "1. Equivalent forms count as correct (e.g. 0.5 and 1/2, a reordered set or an equivalent equation).\n"
    "2. Intervals must match exactly, including open and closed ends.\n"
    "3. When the standard answer has several parts or several solutions, all of them are required.\n"
    "4. A multiple-choice answer is correct when the chosen option matches the standard option.\n"
    "5. Be deterministic: the same inputs must always get the same verdict.\n"
    "Reply in exactly this format:\n## Analysis\n<one short paragraph>\n## Correctness\nCORRECT or WRONG"
)

_VERDICT = re.compile(r"##\s*Correctness\s*\**\s*:?\s*\**\s*(\w+)")


def judge_prompt(problem: Problem, extracted: str | None, response: str, tail_chars: int) -> str:
    tail = response[-tail_chars:] if tail_chars else ""
    cut = "[... earlier reasoning omitted ...]\n" if len(response) > len(tail) else ""
    return (f"## Problem\n{problem.problem}\n\n## Standard Answer\n{problem.answer}\n\n"
            f"## Student's Final Answer\n{extracted if extracted else '(no final answer found)'}\n\n"
            f"## End of the Student's Response\n{cut}{tail}")


def parse_verdict(text: str) -> bool | None:
    """True for CORRECT, False for WRONG, None when the reply does not follow the format."""
    found = _VERDICT.findall(text or "")
    if not found:
        return None
    return {"CORRECT": True, "WRONG": False}.get(found[-1])


def judge_problems(problems: dict[str, Problem], samples: list[Sample], tail_chars: int) -> list[Problem]:
    """One judge 'problem' per sample; its id names the sample it judges."""
    out = []
    for s in samples:
        extracted = s.verdict.extracted if s.verdict else None
        out.append(Problem(id=f"{s.problem_id}#{s.sample_index}", source="judge",
                           problem=judge_prompt(problems[s.problem_id], extracted, s.response, tail_chars),
                           answer=None))
    return out


def run_judge(problems: dict[str, Problem], samples: list[Sample], judge: Any, output: Any,
              backend: Any, desc: str) -> None:
    """Judge every sample not yet judged in `output` (resumable through generate's output file)."""
    from limo.generate import GenerateConfig, generate

    cfg = GenerateConfig(**{"model": judge.model, "backend": judge.backend, "base_url": judge.base_url,
                            "n": 1, "temperature": 0.0, "max_tokens": judge.max_tokens,
                            "system_prompt": JUDGE_SYSTEM_PROMPT, **judge.engine})
    generate(judge_problems(problems, samples, judge.tail_chars), cfg, output, backend=backend, desc=desc)
