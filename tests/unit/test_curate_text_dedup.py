"""Normalisation, exact + near dedup on hand-made fixtures with planted duplicates."""

from __future__ import annotations

import pytest

from limo.curate.dedup import DedupConfig, dedup, signatures
from limo.curate.text import Tokenizer, number_overlap, raw_tokens
from limo.records import Problem


def P(i: str, text: str) -> Problem:
    return Problem(id=i, problem=text, answer="1")


@pytest.mark.parametrize("a,b", [
    (r"Find $\dfrac{1}{2}$ of 1,000.", r"find \frac{1}{2} of 1000"),
    ("What  is\n x+y ?", "what is x + y"),
    (r"Let $x \le 3$ and \left( y \right)", r"let x \leq 3 and (y)"),
    (r"Compute 1{,}234\,567 now", "compute 1234567 now"),
])
def test_surface_variants_tokenise_the_same(a: str, b: str) -> None:
    tok = Tokenizer()
    ea, eb = tok.encode([a]), tok.encode([b])
    assert ea.row(0).tolist() == eb.row(0).tolist()


def test_cjk_characters_are_tokens_and_numbers_flagged() -> None:
    assert raw_tokens("已知集合 M 有 12 个") == ["已", "知", "集", "合", "m", "有", "12", "个"]
    enc = Tokenizer().encode(["x is 12 and 7", "no numbers"])
    assert len(enc.numbers(0)) == 2 and len(enc.numbers(1)) == 0


def test_number_overlap_separates_templated_variants() -> None:
    tok = Tokenizer()
    e = tok.encode(["when x=2, y=4 what is x when y=1", "when x=24, y=15 what is x when y=3",
                    "Problem 3: when x=2, y=4 what is x when y=1"])
    # only the three "=" are shared: far below the 0.8 that would call them copies
    assert number_overlap(e.numbers(0), e.numbers(1)) == 0.5
    assert number_overlap(e.numbers(0), e.numbers(2)) == 1.0


def test_operators_are_tokens_with_one_spelling() -> None:
    assert raw_tokens("What is 9 + 7?") != raw_tokens("What is 9 - 7?")
    tok = Tokenizer()
    e = tok.encode(["3 * 4", "3 \\times 4", "3 \\cdot 4", "3 \u00d7 4", "3 + 4"])
    assert len({tuple(e.row(i).tolist()) for i in range(4)}) == 1
    assert e.row(4).tolist() != e.row(0).tolist()


def test_short_arithmetic_variants_are_not_duplicates() -> None:
    # Found by `limo demo`: operators were dropped, and chains of one-number-apart short problems
    # were merged transitively ("3 + 4 - 0" ~ "3 + 4 - 3" ~ "3 + 7 - 3" ...).
    from limo.curate.dedup import DedupConfig, dedup
    from limo.records import Problem

    texts = ["What is 9 + 7?", "What is 9 - 7?", "What is 9 * 7?", "What is 3 + 4 - 0?", "What is 3 + 4 - 3?",
             "What is 3 + 7 - 3?", "What is 9 + 7?", "Compute: what is 9-7?"]
    probs = [Problem(id=str(i), problem=t, answer="0") for i, t in enumerate(texts)]
    result = dedup(probs, DedupConfig(), False)
    assert {r["id"]: r["duplicate_of"] for r in result.removed} == {"6": "0", "7": "1"}


BASE = [
    "Let $a$ and $b$ be positive reals with $a+b=10$. Find the maximum value of $ab$ over all such pairs.",
    "How many positive divisors does 3600 have, counting 1 and 3600 itself among them?",
    "A bag holds 5 red and 7 blue marbles. Two are drawn without replacement. Find the probability both are red.",
    "Find the remainder when $2^{100}$ is divided by 7, and explain why the pattern of powers repeats.",
]


def test_exact_and_near_duplicates_removed_first_kept() -> None:
    rows = [P(f"b{i}", t) for i, t in enumerate(BASE)]
    rows.append(P("exact", BASE[0].upper().replace("$", "")))               # case + $ only
    rows.append(P("near", "Problem 3: " + BASE[2].replace("Find", "Determine")))  # prefix + word change
    rows.append(P("trunc", " ".join(BASE[3].split()[:13])))                # truncated copy
    rows.append(P("variant", BASE[1].replace("3600", "4200")))             # other numbers: a different problem
    r = dedup(rows, DedupConfig())
    removed = {x["id"]: x for x in r.removed}
    assert set(removed) == {"exact", "near", "trunc"}
    assert removed["exact"]["reason"] == "exact_duplicate" and removed["exact"]["duplicate_of"] == "b0"
    assert removed["near"]["duplicate_of"] == "b2" and removed["near"]["reason"] == "near_duplicate"
    assert removed["trunc"]["duplicate_of"] == "b3"
    assert [p.id for p in r.kept] == ["b0", "b1", "b2", "b3", "variant"]
    assert r.stats == {"in": 8, "kept": 5, "removed": 3, "exact_duplicates": 1, "near_duplicates": 2}


def test_exact_only_keeps_near_duplicates() -> None:
    rows = [P("a", BASE[2]), P("b", "Problem 3: " + BASE[2])]
    assert len(dedup(rows, DedupConfig(near=False)).kept) == 2


def test_minhash_estimate_agrees_with_datasketch() -> None:
    """Our one-permutation signature estimates Jaccard like datasketch's k-permutation MinHash."""
    from datasketch import MinHash

    a = " ".join(f"w{i}" for i in range(300))
    b = " ".join(f"w{i}" for i in range(100, 400))  # true 3-shingle Jaccard = 198/402 ~ 0.49
    enc = Tokenizer().encode([a, b])
    sig = signatures(enc, DedupConfig(num_perm=256, bands=64, rows_per_band=4))
    ours = float((sig[0] == sig[1]).mean())
    sk = []
    for t in (a, b):
        m, w = MinHash(num_perm=256, seed=1), t.split()
        for i in range(len(w) - 2):
            m.update(" ".join(w[i:i + 3]).encode())
        sk.append(m)
    theirs = sk[0].jaccard(sk[1])
    assert abs(ours - 198 / 402) < 0.1 and abs(ours - theirs) < 0.12


def test_bad_band_config_is_an_error() -> None:
    with pytest.raises(ValueError):
        DedupConfig(num_perm=64, bands=30, rows_per_band=3)
