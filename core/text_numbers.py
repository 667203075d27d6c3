"""Small numbers as users type them: ``3``, ``三``, ``十二``, ``三十``, ``二十一``, ``两``, ``three``."""

from __future__ import annotations

CHINESE_NUMERALS: dict[str, int] = {
    "一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
}  # fmt: skip
ENGLISH_NUMBERS: dict[str, int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}  # fmt: skip
CHINESE_NUMBER = r"[一两二三四五六七八九十]{1,3}"
ENGLISH_NUMBER = "|".join(ENGLISH_NUMBERS)


def small_number(text: str) -> int:
    """The number ``text`` spells (digits, Chinese up to 99, English one to ten); ``KeyError`` otherwise."""
    text = text.strip().lower()
    if text.isdigit():
        return int(text)
    if text in ENGLISH_NUMBERS:
        return ENGLISH_NUMBERS[text]
    if "十" not in text:
        return CHINESE_NUMERALS[text]
    tens, _, ones = text.partition("十")
    return (CHINESE_NUMERALS[tens] if tens else 1) * 10 + (CHINESE_NUMERALS[ones] if ones else 0)
