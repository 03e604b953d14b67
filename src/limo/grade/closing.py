"""Answers stated in a closing sentence rather than marked: the one number of a "Final Answer:" sentence,
and a trailing quantity with a percent, currency or unit sign.

- `sentence_number`: "Final Answer: Jane started growing Sphere 3 hours ago. I hope it is correct." The
  cue says the sentence is the answer; when it holds exactly one number (maths without digits such as
  `$ABCDEFGH$` does not count) that number is the value. Negations, comparisons and hedges ("not 3",
  "at least 3", "more than 3", "3 or 4", "maybe 3") give nothing ("7 more cups" is 7), and so does a
  sentence of more than 15 words (prose that mentions "100% renewable energy" is not the value 100).
- `closing_quantity`: an unmarked response whose last sentence ends in a stated quantity, "... the error
  increases by 100%.", "... which is 1,000.99€", "it's 1,000.99m²", "the price is €1,000.99". The number must follow a stating
  word directly (`is`, `are`, `equals`, `=`, `by`, `to`, `it's`, ...; fillers such as `exactly` allowed),
  so "is not 5%", "5% or 7%", "at least 5%", "between 5% and 7%" never match, and the sentence must not
  hedge ("maybe", "could be", "not sure", a question). A relation (`x \\neq 3`) has no unit sign and is
  left to the other rules. The answer is the number, with `\\%` kept (a unit or currency is dropped).
"""

from __future__ import annotations

import re

_NUMBER = re.compile(r"(?<![\w.^_{/$])-?\d+(?:,\d{3})*(?:\.\d+)?(?:/\d+)?(?![\w^/]|\.\d)")
_MATH = re.compile(r"\$\$?[^$]*\$\$?|\\\((?:(?!\\\)).)*\\\)|\\\[(?:(?!\\\]).)*\\\]", re.S)
_REFUSE = re.compile(r"\b(?:not|never|no|cannot|either|or|maybe|perhaps|possibly|probably|might|could|guess|"
                     r"at (?:least|most)|(?:more|less|fewer|greater|smaller|larger|higher|lower) than|up to|"
                     r"between|except|unless|if)\b|n't\b|\?", re.I)


# Narrower than _REFUSE: a closing statement may hold a condition ("if you look from three sides, you see 18
# faces"), but not a negation, a bound or a hedge of its value.
_BOUND_OR_HEDGE = re.compile(r"\b(?:not|never|cannot|either|or|maybe|perhaps|possibly|probably|might|could|guess|"
                             r"at (?:least|most)|(?:more|less|fewer|greater|smaller|larger|higher|lower) than|"
                             r"up to|between)\b|n't\b|\?", re.I)


def bounds_or_hedges(sentence: str) -> bool:
    """The sentence negates, bounds or hedges its value ("greater than 3", "cannot be 3", "3 or 4", "maybe")."""
    return bool(_BOUND_OR_HEDGE.search(sentence))


_MAX_WORDS = 15  # "Jane started growing Sphere 3 hours ago" has 7


def sentence_number(sentence: str) -> str | None:
    """The one number of a closing answer sentence, or None (see module docstring)."""
    spans = _MATH.findall(sentence)
    if any(re.search(r"\d", m) for m in spans) or _REFUSE.search(sentence):
        return None  # `$5 \times 6$` is a formula, not "one number"; negations and hedges say no
    plain = _MATH.sub(" ", sentence)
    if len(re.findall(r"[A-Za-z]+", plain)) > _MAX_WORDS:
        return None  # a paragraph of prose ("Switching to 100% renewable energy would have ..."), not a value
    numbers = list(_NUMBER.finditer(plain))
    if len(numbers) != 1:
        return None
    percent = re.match(r"\s?(?:\\?%|percent\b)", plain[numbers[0].end():])
    return numbers[0].group() + ("\\%" if percent else "")


_STATING = (r"(?:(?<![\w'])(?:is|are|was|were|be|equals?|by|to|it's|that's|gives?|get|makes?|costs?|totals?)"
            r"|=)\s+(?:(?:exactly|about|approximately|roughly|only|just|now|then)\s+)*")
_UNIT = (r"(?P<pct>\s?\\?%|\s?percent\b)|\s?[€£¥]|\s?(?:cm|mm|km|m|kg|g|mg|s|ms|h|min|L|mL|ml|"
         r"dollars?|euros?|cents?|meters?|metres?|seconds?|hours?|minutes?|days?|years?)(?:²|³|\^\{?[23]\}?)?(?![\w])")
_AMOUNT = r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[-+]?\d+(?:\.\d+)?"
# A unit or percent after the number, or a currency sign before it (`is €1,000.99`, `is \\$12.50`).
_QUANTITY = re.compile(rf"{_STATING}(?:(?P<num>{_AMOUNT})(?:{_UNIT})|(?:[€£¥]|\\\$)\s?(?P<cur>{_AMOUNT}))\s*[.!]?\s*$")
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?]\$\$)|(?<=[.!?]\\\]))\s+")


def closing_quantity(text: str) -> tuple[str | None, str | None]:
    """The trailing quantity of the response's last sentence, or (None, None) (see module docstring)."""
    tail = text.rstrip()[-600:]
    sentence = _SENTENCE_END.split(tail)[-1].replace("**", "")
    m = _QUANTITY.search(sentence)
    if not m or _REFUSE.search(sentence[m.start():]) or re.search(r"\b(?:maybe|perhaps|not sure|guess|could|might)\b|\?",
                                                                  sentence, re.I):
        return None, None
    return (m["cur"] or m["num"] + ("\\%" if m["pct"] else "")), "closing_quantity"


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of a paragraph; a sentence may end inside display maths (`... = 2.$$ Therefore, ...`)."""
    return [x for x in _SENTENCE_END.split(paragraph.strip()) if x]
