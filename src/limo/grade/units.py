"""Quantities with units: `3\\text{ kg}` is not `3\\text{ g}`, `3\\text{ km}` is `3000\\text{ m}`, and a
compound quantity `1\\text{ m }20\\text{ cm}` is not the number 1.

The fast path strips a trailing unit before comparing numbers (`5\\text{ cm}` = 5), which is right when
only one side names a unit, or both name the same one. When both sides name *different* known units,
the unit carries meaning: the values are compared after conversion (same dimension) or not at all
(different dimensions). Unknown unit words keep the old behaviour (stripped), so nothing new is rejected
on a spelling this table does not know.
"""

from __future__ import annotations

import re
from fractions import Fraction

# unit spelling -> (dimension, size in the dimension's base unit)
_TABLE: dict[str, tuple[str, Fraction]] = {}
for _dim, _spec in {
    "length": {"mm|millimeters?|millimetres?": "0.001", "cm|centimeters?|centimetres?": "0.01",
               "m|meters?|metres?": "1", "km|kilometers?|kilometres?": "1000", "in|inch|inches": "0.0254",
               "ft|foot|feet": "0.3048", "yd|yards?": "0.9144", "mi|miles?": "1609.344"},
    "mass": {"mg|milligrams?": "0.001", "g|grams?": "1", "kg|kilograms?": "1000",
             "lb|lbs|pounds?": "453.59237", "oz|ounces?": "28.349523125"},
    "time": {"s|sec|secs|seconds?": "1", "min|mins|minutes?": "60", "h|hr|hrs|hours?": "3600",
             "days?": "86400", "weeks?": "604800"},
    "volume": {"ml|mL|milliliters?|millilitres?": "0.001", "L|l|liters?|litres?": "1"},
}.items():
    for _names, _size in _spec.items():
        for _name in _names.split("|"):  # `meters?`: meter and meters
            for _spelling in ((_name[:-2], _name[:-1]) if _name.endswith("s?") else (_name,)):
                _TABLE[_spelling] = (_dim, Fraction(_size))

_TEXT = r"\\(?:text|mathrm|mbox|textrm|rm|operatorname)\s*\{\s*~?\s*([A-Za-z]+(?:/[A-Za-z]+)?)\s*\}"
_UNIT = rf"(?:{_TEXT}|(?<![A-Za-z\\])([A-Za-z]+(?:/[A-Za-z]+)?))"  # `cm`, `m/s`, `km/h`
_POWER = r"(?:\^\s*\{?\s*([23])\s*\}?|([²³]))?"
# the unit at the end, right after a digit (searched from the end: `^(.*?\d)...$` is quadratic on long input)
_QUANTITY = re.compile(rf"(?<=\d)\s*(?:\\[,;! ]\s*)*{_UNIT}\s*{_POWER}\s*$")
_CONNECTIVES = r"\s*(?:and|or|to|plus|minus|times|by|and/or)?\s*\}"  # `5 \text{ and } 7` joins two values
# number, unit, number: `1\text{ m }20\text{ cm}`, `5\text{ hours and }30\text{ minutes}`, `3 ft 4 in`
_COMPOUND = re.compile(rf"\d\s*(?:\\[,;! ]\s*)*(?:\\(?:text|mathrm|mbox|textrm)\s*\{{(?!{_CONNECTIVES})[^{{}}\d]*[A-Za-z][^{{}}\d]*\}}|"
                       rf"(?<![A-Za-z\\])(?:{'|'.join(sorted(_TABLE, key=len, reverse=True))})\b)"
                       rf"\s*(?:\^\s*\{{?\s*[23]\s*\}}?)?\s*(?:\\[,;! ]\s*)*(?:and\s*)?\d")


def is_compound(s: str) -> bool:
    """A quantity in several units (`1\\text{ m }20\\text{ cm}`): not any single number it contains."""
    return bool(_COMPOUND.search(s))


def _quantity(s: str) -> tuple[Fraction, str, Fraction] | None:
    """(value, dimension, size) of `3\\text{ km}`, `12 cm^2`; None without a known unit or a plain value."""
    from limo.grade.fastpath import clean, parse_number

    s = s.strip()
    m = _QUANTITY.search(s)
    if not m:
        return None
    unit = m.group(1) or m.group(2)
    power = int(m.group(3) or {"²": 2, "³": 3}.get(m.group(4) or "", 1))
    top, _, bottom = unit.partition("/")
    if top not in _TABLE or bottom and bottom not in _TABLE:
        return None
    number = parse_number(clean(s[:m.start()]))
    if number is None or number.value is None or number.percent:
        return None
    dim, size = _TABLE[top]
    if bottom:  # a rate: `km/h` is length/time, 1000/3600 of `m/s`
        dim, size = f"{dim}/{_TABLE[bottom][0]}", size / _TABLE[bottom][1]
    return number.value, f"{dim}^{power}", size ** power


def compare_units(gold: str, answer: str) -> bool | None:
    """False/True when both sides are quantities in different known units (see module docstring); None
    when this rule has nothing to say (no unit, an unknown unit, the same unit on both sides)."""
    g, a = _quantity(gold), _quantity(answer)
    if g is None or a is None or (g[1], g[2]) == (a[1], a[2]):
        return None
    return g[1] == a[1] and g[0] * g[2] == a[0] * a[2]
