"""Render-time escaping: model text must not notify, link or inject markup in a messenger."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from core.text_safety import ZERO_WIDTH_SPACE as ZW
from core.text_safety import escape_dingtalk_md, escape_slack, escape_wecom_md


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("<!channel> 紧急", "&lt;!channel&gt; 紧急"),
        ("<!here>", "&lt;!here&gt;"),
        ("<!everyone>", "&lt;!everyone&gt;"),
        ("找 <@U123> 处理", "找 &lt;@U123&gt; 处理"),
        ("<#C024BE7LR>", "&lt;#C024BE7LR&gt;"),
        ("<https://evil.example|点我>", "&lt;https://evil.example|点我&gt;"),
        ("A & B", "A &amp; B"),
        ("&lt;!channel&gt;", "&amp;lt;!channel&amp;gt;"),  # already-escaped text cannot sneak back
        ("@channel 开会", f"@{ZW}channel 开会"),
        ("请 @here 注意", f"请 @{ZW}here 注意"),
        ("@Everyone", f"@{ZW}Everyone"),
        ("ops@here.com", "ops@here.com"),  # an e-mail address is not a mention
        ("边现 0.41 元，下降 12%", "边现 0.41 元，下降 12%"),
    ],
)
def test_escape_slack(raw: str, escaped: str) -> None:
    assert escape_slack(raw) == escaped


@pytest.mark.parametrize("escape", [escape_dingtalk_md, escape_wecom_md])
@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("看[报表](https://evil.example)", "看报表"),
        ("![截图](https://evil.example/x.png)", "截图"),
        ("[![图](https://a/x.png)](https://b)", "图"),
        ('<font color="warning">红字</font>', '＜font color="warning"＞红字＜/font＞'),
        ("<@zhangsan> 处理", f"＜@{ZW}zhangsan＞ 处理"),
        ("<a href='x'>点</a>", "＜a href='x'＞点＜/a＞"),
        ("@all 注意", f"@{ZW}all 注意"),
        ("请@13812345678处理", f"请@{ZW}13812345678处理"),
        ("a@b.com", "a@b.com"),
        ("边现下降 12%（[1] 见附录）", "边现下降 12%（[1] 见附录）"),  # brackets without a target stay
    ],
)
def test_escape_messenger_markdown(escape: Callable[[str], str], raw: str, escaped: str) -> None:
    assert escape(raw) == escaped


def test_escaping_is_pure() -> None:
    text = "<!channel> @all [x](y)"
    assert escape_slack(text) == escape_slack(text)
    assert text == "<!channel> @all [x](y)"
