"""The `paper` grader: a second opinion that follows LIMO's own evaluation code, for comparing with
published numbers. limo's own grader (`limo.grade.judge`) stays the default.

Written from the documented behaviour of GAIR-NLP/LIMO `eval/utils/parser.py` (`extract_answer`,
`strip_string`) and `eval/utils/grader.py` (`math_equal`, from Qwen2.5-Math's grader); not a copy. Each
rule names its source; docs/grade.md lists them and how they differ from limo's rules. In short, the paper
grader is more lenient: only boxes count (the last one anywhere, thinking included), percent rescaling
(`50` == `0.5` == `5000`), an absolute tolerance of 1e-4, comma lists compared unordered, unit words and
`x=` stripped, no hedge or relation rules.
"""

from __future__ import annotations

import math
import re
from typing import Any

from limo.grade.gold import gold_text
from limo.records import Verdict

_ABS_TOL = 1e-4  # grader.py numeric_equal: isclose(reference, prediction, abs_tol=1e-4)
_MAX_DEPTH = 5  # grader.py math_equal(max_depth=5)
# parser.py strip_string removes unit words (a list of ~150 there; the common ones here) and months.
_UNITS = ("mph|kmph|km|cm|mm|m|kg|g|mg|ml|liters?|litres?|meters?|metres?|inch(?:es)?|feet|foot|ft|yards?|"
          "miles?|hours?|minutes?|min|seconds?|sec|s|days?|weeks?|months?|years?|dollars?|cents?|units?|"
          "degrees?|square|cubic|sq|cents|pounds?|points?|people|ways|times|students|apples?|mtr|hectares?")
_UNIT_WORD = re.compile(rf"(^|\W)(?:{_UNITS})($|\W)")
_MONTHS = re.compile(r"\b(?:January|February|March|April|May|June|July|August|September|October|November|"
                     r"December)\b", re.I)
_CHOICE_PREFIX = re.compile(r"^(?:\(([A-E])\)|([A-E])[.):]|\*\*([A-E])\*\*)")


def paper_extract(response: str) -> str:
    """parser.py extract_answer: text after the LAST `boxed` anywhere (brace-matched; without a `{`, up
    to the next `$`); no box -> "" (no fallback). Newlines dropped, leading `:` and trailing `.`/`/` cut."""
    if "boxed" not in response:
        return ""
    rest = response.split("boxed")[-1]
    if rest.startswith("{"):
        depth, out = 1, []
        for c in rest[1:]:
            depth += (c == "{") - (c == "}")
            if depth == 0:
                break
            out.append(c)
        answer = "".join(out)
    else:
        answer = rest.split("$")[0].strip()
    answer = re.sub(r"\n\s*", "", answer)
    answer = answer[1:] if answer.startswith(":") else answer
    return answer.removesuffix(".").removesuffix("/")


def _fix_fracs(s: str) -> str:
    """`\\frac12` -> `\\frac{1}{2}`, `\\frac1{72}` -> `\\frac{1}{72}` (parser.py _fix_fracs)."""
    return re.sub(r"\\frac\s*(\d)\s*(\d|\{[^{}]*\})", lambda m: f"\\frac{{{m[1]}}}{m[2] if m[2][0] == '{' else '{' + m[2] + '}'}", s)


def paper_normalize(s: str) -> str:
    """parser.py strip_string, rule by rule (the order matters: units go before `\\text` is unwrapped)."""
    s = str(s).strip().replace("\n", "").rstrip(".").replace("\\!", "")
    s = re.sub(r"\\begin\{array\}\{[^{}]*\}", r"\\begin{pmatrix}", s).replace("\\end{array}", "\\end{pmatrix}")
    s = s.replace("bmatrix", "pmatrix").replace("tfrac", "frac").replace("dfrac", "frac")
    s = s.replace("\\neq", "\\ne").replace("\\leq", "\\le").replace("\\geq", "\\ge")
    s = s.replace("\\left", "").replace("\\right", "").replace("\\{", "{").replace("\\}", "}")
    unitless = re.sub(r"\\text\{.*?\}$", "", s).strip()  # a trailing \text{...} is a unit
    s = unitless or s
    s = _UNIT_WORD.sub(r"\1\2", s) or s
    s = s.replace("^{\\circ}", "").replace("^\\circ", "").replace("\\$", "").replace("$", "")
    s = s.replace("\\(", "").replace("\\)", "")
    s = re.sub(r"\\text\{(.*?)\}", r"\1", s)
    for key in ("x=", "y=", "z=", "x\\in", "y\\in", "z\\in", "x\\to", "y\\to", "z\\to"):
        s = s.replace(key, "")
    s = s.replace("\\emptyset", "{}").replace("(-\\infty,\\infty)", "\\mathbb{R}")
    s = s.replace("\\%", "").replace("%", "")
    s = _MONTHS.sub("", s).replace(" .", " 0.").replace("{.", "{0.")
    s = s.replace("infinity", "\\infty").replace("and", "").replace("\\mathbf", "")
    s = re.sub(r"\\mbox\{.*?\}", "", s)
    s = re.sub(r"(\d+)\.0*([^\d])", r"\1\2", s)
    s = re.sub(r"(\d+)\.0*$", r"\1", s)
    if s.startswith("."):
        s = "0" + s
    if len(s.split("=")) == 2 and len(s.split("=")[0]) <= 2:  # `k = 5` -> `5`
        s = s.split("=")[1]
    s = re.sub(r"\\sqrt(\w)", r"\\sqrt{\1}", s).replace(" ", "")
    s = _fix_fracs(s)
    if m := re.fullmatch(r"(-?\d+)/(\d+)", s):  # parser.py _fix_a_slash_b
        s = f"\\frac{{{m[1]}}}{{{m[2]}}}"
    return s


def _digits(s: str) -> float | None:
    """grader.py parse_digits: commas removed; a trailing `%` divides by 100."""
    s = s.replace(",", "")
    try:
        return float(s)
    except ValueError:
        if s.endswith("%"):
            try:
                return float(s.rstrip("%").rstrip("\\")) / 100
            except ValueError:
                return None
    return None


def _symbolic_equal(a: str, b: str) -> bool:
    """grader.py symbolic_equal: parse both as LaTeX; equal as objects, after simplify, or numerically."""
    from limo.grade.budget import heavy

    heavy()  # the first symbolic comparison of a worker loads sympy, with the item's clock paused
    import sympy
    from latex2sympy2_extended import latex2sympy

    try:
        x, y = latex2sympy(a), latex2sympy(b)
    except Exception:
        return False
    try:
        if str(x) == str(y) or x == y or sympy.simplify(x - y) == 0:
            return True
    except Exception:
        pass
    try:
        return math.isclose(float(sympy.N(x)), float(sympy.N(y)), abs_tol=_ABS_TOL)
    except Exception:
        return False


def _bracketed(s: str) -> bool:
    return bool(re.match(r"[(\[].+[)\]]", s))


def paper_equal(pred: str, ref: str, depth: int = 0) -> bool:
    """grader.py math_equal, check by check, on normalized strings."""
    if depth > _MAX_DEPTH or not pred:
        return False
    if pred.strip().lower() == ref.strip().lower():
        return True
    letters = re.findall(r"\b([A-E])\b", pred.upper())
    if ref in ("A", "B", "C", "D", "E") and letters and letters[-1] == ref:
        return True
    if (m := _CHOICE_PREFIX.match(pred)) and paper_equal(pred[m.end():].strip(), ref, depth + 1):
        return True
    if "," in pred and "," in ref:  # comma lists: split, SORT, compare element-wise (order ignored)
        p, r = sorted(x.strip() for x in pred.split(",")), sorted(x.strip() for x in ref.split(","))
        if len(p) == len(r) and all(paper_equal(a, b, depth + 1) for a, b in zip(p, r)):
            return True
    x, y = _digits(pred), _digits(ref)
    if x is not None and y is not None:  # include_percentage: gold/100, gold, gold*100
        return any(math.isclose(x, g, abs_tol=_ABS_TOL) for g in (y / 100, y, y * 100))
    strip = "[]()" if (pred[:1] == "[" and pred[-1:] == "]" and ref[:1] != "(") or (
        pred[:1] == "(" and pred[-1:] == ")" and ref[:1] != "[") else ""
    if re.sub(r"[{}()]", "", pred.strip(strip)).lower() == re.sub(r"[{}()]", "", ref.strip(strip)).lower():
        return True
    if _bracketed(pred) and _bracketed(ref):  # tuples/intervals element-wise (bracket kind ignored)
        p, r = pred[1:-1].split(","), ref[1:-1].split(",")
        if len(p) == len(r) and all(paper_equal(a, b, depth + 1) for a, b in zip(p, r)):
            return True
    if pred.count("=") == 1 and ref.count("=") == 1:  # a=b vs c=d: a-(b) vs ±(c-(d))
        (pl, pr), (rl, rr) = pred.split("="), ref.split("=")
        if _symbolic_equal(f"{pl}-({pr})", f"{rl}-({rr})") or _symbolic_equal(f"-({pl}-({pr}))", f"{rl}-({rr})"):
            return True
    elif pred.count("=") == 1 and len(pred.split("=")[0].strip()) <= 2 and "=" not in ref:
        if paper_equal(pred.split("=")[1], ref, depth + 1):
            return True
    elif ref.count("=") == 1 and len(ref.split("=")[0].strip()) <= 2 and "=" not in pred:
        if paper_equal(pred, ref.split("=")[1], depth + 1):
            return True
    return _symbolic_equal(pred, ref)


def paper_judge(response: Any, gold: Any) -> Verdict:
    """The paper grader's verdict: boxed-only extraction, then math_equal on normalized strings."""
    ref = gold_text(gold)
    if ref is None:
        return Verdict(correct=False, reason="invalid_gold")
    answer = paper_extract(response) if isinstance(response, str) else ""
    if not answer:
        return Verdict(correct=False, reason="no_answer")
    ok = paper_equal(paper_normalize(answer), paper_normalize(ref))
    return Verdict(correct=ok, reason="equal" if ok else "not_equal", extracted=answer, rule="paper_boxed")
