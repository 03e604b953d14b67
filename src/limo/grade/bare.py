"""Responses that are nothing but an answer, and the chat-template tokens that end a response.

Both are about the response's surface, not its reasoning: an API or short-answer model returns just
`$\\frac{1}{3}$` or `-5` (the whole text is the answer: `bare_answer`), and a model that runs past its
end-of-turn writes a template token and then a made-up next turn (`... is $(7, 6)$. <|im_start|>user ...`:
only the text before it is the response, `cut_new_turn`).
"""

from __future__ import annotations

import re

# Chat-template tokens: text after one is a new turn (`... is $(7, 6)$. <|im_start|>user ...`), not the answer.
_TEMPLATE_TOKEN = re.compile(r"<\|(?:im_start|im_end|endoftext|eot_id|end_of_text|start_header_id|end_header_id|"
                             r"end|user|assistant|system|end_of_solution)\|>|</s>|<(?:end|start)_of_turn>|"
                             r"<｜(?:end▁of▁sentence|User|Assistant)｜>")


def cut_new_turn(response: str) -> str:
    """The response up to the first chat-template token that follows some text (what comes after is the
    start of a new turn the model hallucinated, or padding), with leading template tokens removed."""
    if "<" not in response:
        return _cut_text_turn(response)
    lead = re.match(rf"(?:\s*(?:{_TEMPLATE_TOKEN.pattern})(?:system|user|assistant)?)*", response)
    response = response[lead.end():] if lead else response
    m = _TEMPLATE_TOKEN.search(response)
    response = response[:m.start()] if m else response
    return _cut_text_turn(response)


# A new turn written as text: a chat role ("Human:", "User:") at a line start, or a new few-shot
# problem ("Problem:", "Question:") once the response has given an answer (a base model that closes
# with Minerva's "I hope it is correct." and goes on with the next exercise).
_ROLE_TURN = re.compile(r"\n[ \t]*(?:#{1,4}[ \t]*)?(?:\*\*)?(?:Human|User|USER)(?:\*\*)?[ \t]*:")
_NEXT_PROBLEM = re.compile(r"\n[ \t]*(?:#{1,4}[ \t]*)?(?:\*\*)?(?:Problem|Question|Exercise)(?:\*\*)?[ \t]*:")
_ANSWERED = re.compile(r"I hope it is correct|\\boxed\s*\{\s*[^\s}]|\banswer(?:\s*[:：]|\s+is\b)\s*\S", re.I)


def _cut_text_turn(response: str) -> str:
    if "\n" not in response:
        return response
    m = _ROLE_TURN.search(response)
    if m and response[:m.start()].strip():
        response = response[:m.start()]
    for m in _NEXT_PROBLEM.finditer(response):
        if _ANSWERED.search(response, 0, m.start()):
            return response[:m.start()]
    return response


_SPAN = re.compile(r"(\$\$?|\\\[|\\\()\s*((?:\\\$|[^$])+?)\s*(\$\$?|\\\]|\\\))")
_LEAD_IN = re.compile(r"^[A-Za-z][^$\\\n:]{0,60}:\s*")  # "Here is a zero matrix: "
_TAIL_UNIT = re.compile(r"^(?:\\?%|percent|pct|[a-zA-Z]{1,12})?[.!]?$")


def bare_answer(text: str) -> tuple[str | None, str | None]:
    """A response that is nothing but a final answer (`$\\frac{1}{3}$`, `-5`, `$(3,2)$`, `28 percent`,
    `Here is the matrix: $...$`): the whole short text is its own answer. Prose is never taken."""
    from limo.grade.boxes import strip_answer

    t = text.strip()
    if t.startswith("**") and t.endswith("**"):
        t = t[2:-2].strip()  # markdown bold around the whole answer
    if not t or len(t) > 300 or "\n\n" in t or t.endswith("?"):
        return None, None  # a question ("12?") asks, it does not answer
    t = _LEAD_IN.sub("", t, count=1)
    if not t:
        return None, None  # a lead-in and nothing after it ("Final Answer: ")
    spans = list(_SPAN.finditer(t))
    if len(spans) == 1 and spans[0].start() == 0 and _TAIL_UNIT.match(t[spans[0].end():].strip()):
        tail = t[spans[0].end():].strip().rstrip(".!")
        return strip_answer(f"{spans[0].group(2)} {tail}".strip()), "bare"
    if m := re.fullmatch(r"\$?\s*([-+]?\d[\d,]*(?:\.\d+)?)\s*\$?\s*[€£¥]?\.?", t):
        return m.group(1), "bare"  # `$1,000.99`, `1,000.99$`: a currency sign, not maths
    if spans or "$" in t or "\\boxed" in t or t.count("{") != t.count("}") or t[-1] in ",;:([{=+-*/":
        return None, None  # a formula cut off mid-way is not an answer
    if re.match(r"[A-Za-z]{2,}\s+\S", t):
        return None, None  # starts like a sentence: "For k=3"
    words = re.findall(r"(?<![\\a-zA-Z])[A-Za-z]{2,}", t)
    if len(words) > 2 or (len(words) == 2 and not re.search(r"[\d\\=^]", t)) or re.search(r"[.!?]\s+\S", t):
        return None, None
    return strip_answer(t), "bare"
