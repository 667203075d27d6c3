"""The phrasings of ``bench/question_parsing.py``: what a user types, and where it must go.

Two parts, written before either was run: ``DEVELOPMENT`` — the parser (``core/query``, the router in
``handlers/questions.py``) was written and adjusted while looking at these; ``HELD_OUT`` — never used to change
the parser: its figure is the one reported. Each case: (text, cube, tool, expected arguments). The demo cube
(``demo``) has segment / content_type / platform / resource_position / discount_type; the other team's cube
(``other``) has 渠道 / region / device_type / 会员等级, with other values. "Today" is 2026-11-24 (a Tuesday),
the data ends on 2026-11-23.

Expected arguments for ``query``: metric, by, scope, start, end and, where the phrasing asks for it, order
("desc"/"asc") and top; for ``why`` and ``kpi``: the metric and days when given; ``none``: not understood.
"""

from __future__ import annotations

Case = tuple[str, str, str, dict[str, object]]

W0, W1 = "2026-11-23", "2026-11-23"  # 本周 (Monday only)
LW = ("2026-11-16", "2026-11-22")  # 上周
D7 = ("2026-11-17", "2026-11-23")  # no period / 近7天
D14 = ("2026-11-10", "2026-11-23")  # 最近两周
OCT = ("2026-10-01", "2026-10-31")  # 上个月 / 10月
NOV = ("2026-11-01", "2026-11-23")  # 本月 / 11月 (cut at the data)


def q(
    metric: str | None, by: str | None, days: tuple[str, str], scope: dict | None = None, **extra: object
) -> dict:
    return {"metric": metric, "by": by, "start": days[0], "end": days[1], "scope": scope or {}, **extra}


DEVELOPMENT: list[Case] = [
    ("上个月哪个资源位ROI最高", "demo", "query", q("roi", "resource_position", OCT, order="desc")),
    ("本周各平台的边现", "demo", "query", q("arpu", "platform", (W0, W1))),
    ("11月收入最高的人群", "demo", "query", q("revenue", "segment", NOV, order="desc")),
    ("DAU 最近两周 按平台", "demo", "query", q("dau", "platform", D14)),
    ("revenue by platform last month", "demo", "query", q("revenue", "platform", OCT)),
    ("lowest conversion by segment last week", "demo", "query", q("conversion", "segment", LW, order="asc")),
    ("家庭剧 各平台 DAU 2026-11-01~2026-11-20", "demo", "query",
     q("dau", "platform", ("2026-11-01", "2026-11-20"), {"content_type": "家庭剧"})),
    ("TV 上各人群的转化率 前3", "demo", "query", q("conversion", "segment", D7, {"platform": "TV"}, top=3)),
    ("platform=TV 按优惠类型 续费会员 上周", "demo", "query",
     q("renew_members", "discount_type", LW, {"platform": "TV"})),
    ("2026年10月 各内容的营收", "demo", "query", q("revenue", "content_type", OCT)),
    ("11月5日 各资源位 日活", "demo", "query", q("dau", "resource_position", ("2026-11-05", "2026-11-05"))),
    ("上周边现最低的平台", "demo", "query", q("arpu", "platform", LW, order="asc")),
    ("本月 各人群 收入 前3", "demo", "query", q("revenue", "segment", NOV, top=3)),
    ("各平台边现", "demo", "query", q("arpu", "platform", D7)),
    ("最近两周 收入", "demo", "query", q("revenue", None, D14)),
    ("上个月各平台ROI", "demo", "query", q("roi", "platform", OCT)),
    ("上周各平台边现对比", "demo", "query", q("arpu", "platform", LW)),
    ("上周各渠道的收入", "other", "query", q("revenue", "渠道", LW)),
    ("各地区 DAU", "other", "query", q("dau", "region", D7)),
    ("按设备 转化率", "other", "query", q("conversion", "device_type", D7)),
    ("华东 各终端 收入", "other", "query", q("revenue", "device_type", D7, {"region": "华东"})),
    ("本周边现为什么下降了", "demo", "why", {"metric": "arpu"}),
    ("为什么这周边现下降了？", "demo", "why", {"metric": "arpu"}),
    ("why did revenue drop last week", "demo", "why", {"metric": "revenue"}),
    ("能不能把家庭向收入提升15%", "demo", "goal", {}),
    ("上周 TV", "demo", "kpi", {"start": LW[0], "end": LW[1], "scope": {"platform": "TV"}}),
    ("家庭剧 周末 10元券 类似的活动", "demo", "search", {}),
    ("预算50万 首页位1=0.6 详情页推荐=0.4", "demo", "budget", {}),
    ("复盘一下C2026001", "demo", "retro", {}),
    ("怎么提升家庭向会员的收入", "demo", "strategy", {}),
    ("今天天气怎么样", "demo", "none", {}),
    ("帮我订个会议室", "demo", "none", {}),
    ("上个月各平台的毛利", "demo", "none", {}),
    ("各渠道 收入", "demo", "none", {}),  # the demo has no 渠道
    ("top 2 segments by revenue this month", "demo", "query", q("revenue", "segment", NOV, top=2)),
    ("近 10 天 各优惠类型 新增会员", "demo", "query", q("new_members", "discount_type", ("2026-11-14", "2026-11-23"))),
    ("今年 收入", "demo", "query", q("revenue", None, ("2026-07-27", "2026-11-23"))),
    ("昨天各平台的DAU", "demo", "query", q("dau", "platform", ("2026-11-23", "2026-11-23"))),
    ("arpu per platform yesterday", "demo", "query", q("arpu", "platform", ("2026-11-23", "2026-11-23"))),
    ("各会员等级的边现 上个月", "other", "query", q("arpu", "会员等级", OCT)),
    # added after the first held-out run (its figure is in the README; its misses were not looked at)
    ("手机端 各内容 收入 本周", "demo", "query", q("revenue", "content_type", (W0, W1), {"platform": "手机"})),
    ("上周哪种优惠的续费最多", "demo", "query", q("renew_members", "discount_type", LW, order="desc")),
    ("近三十天各资源位的日活", "demo", "query", q("dau", "resource_position", ("2026-10-25", "2026-11-23"))),
    ("revnue per segmnt this week", "demo", "query", q("revenue", "segment", (W0, W1))),  # typos
    ("convertion by platform last week", "demo", "query", q("conversion", "platform", LW)),
    ("各内容 编现 11月", "demo", "query", q("arpu", "content_type", NOV)),  # 编现: an IME typo
    ("请问上个月各个平台的营收分别是多少呀", "demo", "query", q("revenue", "platform", OCT)),
    ("what was the dau for each content type in october", "demo", "query", q("dau", "content_type", OCT)),
    ("segments ranked by conversion, past 2 weeks", "demo", "query", q("conversion", "segment", D14)),
    ("which resource position performed worst on arpu last week", "demo", "query",
     q("arpu", "resource_position", LW, order="asc")),
    ("为啥昨天收入掉这么多", "demo", "why", {"metric": "revenue"}),
    ("DAU 怎么变少了", "demo", "why", {"metric": "dau"}),
    ("我们能否在30天内把转化率提高10%", "demo", "goal", {}),
    ("有没有类似的活动可以参考", "demo", "search", {}),
    ("复盘 上周", "demo", "retro", {}),
    ("讲个笑话", "demo", "none", {}),
    ("各省份的收入", "demo", "none", {}),
    ("官网 各地区 新增会员 上周", "other", "query", q("new_members", "region", LW, {"渠道": "官网"})),
    ("tv 各会员等级 转化率", "other", "query", q("conversion", "会员等级", D7, {"device_type": "tv"})),
    ("revenue per channel this month", "other", "query", q("revenue", "渠道", NOV)),
    # added after the first fresh run (its figure is in the README; its misses were not looked at)
    ("各平台 收入 从低到高 上周", "demo", "query", q("revenue", "platform", LW, order="asc")),
    ("各人群 边现 降序 本月", "demo", "query", q("arpu", "segment", NOV, order="desc")),
    ("DAU 最多的五个资源位 上个月", "demo", "query", q("dau", "resource_position", OCT, order="desc", top=5)),
    ("前五名人群 收入 11月", "demo", "query", q("revenue", "segment", NOV, top=5)),
    ("上上周 各平台 DAU", "demo", "query", q("dau", "platform", ("2026-11-09", "2026-11-15"))),
    ("前天 各内容 收入", "demo", "query", q("revenue", "content_type", ("2026-11-22", "2026-11-22"))),
    ("各优惠类型的收入份额 本月", "demo", "query", q("revenue", "discount_type", NOV)),
    ("本周排第一的平台 边现", "demo", "query", q("arpu", "platform", (W0, W1), order="desc")),
    ("top five positions by revenue last month", "demo", "query",
     q("revenue", "resource_position", OCT, top=5)),
    ("platforms sorted by arpu ascending, last week", "demo", "query", q("arpu", "platform", LW, order="asc")),
    ("how much revenue did each segment make in october", "demo", "query", q("revenue", "segment", OCT)),
    ("which content type earned the most last week", "demo", "none", {}),  # earned: no metric named
    ("the week before last, dau by platform", "demo", "query", q("dau", "platform", ("2026-11-09", "2026-11-15"))),
    ("各地区的转化率是多少", "other", "query", q("conversion", "region", D7)),
    ("钻石 各渠道 边现 10月", "other", "query", q("arpu", "渠道", OCT, {"会员等级": "钻石"})),
]  # fmt: skip

HELD_OUT: list[Case] = [
    ("这周哪个平台的边现最高？", "demo", "query", q("arpu", "platform", (W0, W1), order="desc")),
    ("上周每个资源位的收入是多少", "demo", "query", q("revenue", "resource_position", LW)),
    ("看看10月各内容类型的DAU", "demo", "query", q("dau", "content_type", OCT)),
    ("最近7天 转化率最低的人群", "demo", "query", q("conversion", "segment", D7, order="asc")),
    ("帮我查一下本月各优惠类型的续费会员", "demo", "query", q("renew_members", "discount_type", NOV)),
    ("11月 TV端 各资源位 边现", "demo", "query", q("arpu", "resource_position", NOV, {"platform": "TV"})),
    ("动漫 上周 按平台 收入", "demo", "query", q("revenue", "platform", LW, {"content_type": "动漫"})),
    ("哪个人群上个月DAU最多", "demo", "query", q("dau", "segment", OCT, order="desc")),
    ("最近两周各平台日活排名", "demo", "query", q("dau", "platform", D14)),
    ("上个月ROI最高的内容", "demo", "query", q("roi", "content_type", OCT, order="desc")),
    ("10月哪个资源位投入产出比最低", "demo", "query", q("roi", "resource_position", OCT, order="asc")),
    ("新用户试看 各平台 转化率 本月", "demo", "query", q("conversion", "platform", NOV, {"segment": "新用户试看"})),
    ("本月收入前三的资源位", "demo", "query", q("revenue", "resource_position", NOV, top=3)),
    ("过去30天 各人群 营收", "demo", "query", q("revenue", "segment", ("2026-10-25", "2026-11-23"))),
    ("2026-11-01到2026-11-15 各平台 新增会员", "demo", "query",
     q("new_members", "platform", ("2026-11-01", "2026-11-15"))),
    ("DAU by content type last week", "demo", "query", q("dau", "content_type", LW)),
    ("which platform had the highest revenue last month?", "demo", "query", q("revenue", "platform", OCT, order="desc")),
    ("conversion by resource position this month", "demo", "query", q("conversion", "resource_position", NOV)),
    ("show me arpu per segment for the last 14 days", "demo", "query", q("arpu", "segment", D14)),
    ("top 3 segments by DAU last week", "demo", "query", q("dau", "segment", LW, top=3)),
    ("revenu by platfrom last month", "demo", "query", q("revenue", "platform", OCT)),  # typos
    ("各平台的边线 上周", "demo", "query", q("arpu", "platform", LW)),  # 边线: an IME typo of 边现
    ("上周 各人群 的 转化率 呢", "demo", "query", q("conversion", "segment", LW)),
    ("嗯 本周 各平台 收入 谢谢", "demo", "query", q("revenue", "platform", (W0, W1))),
    ("10元券 各平台 DAU 上周", "demo", "query", q("dau", "platform", LW, {"discount_type": "10元券"})),
    ("各渠道上个月的收入", "other", "query", q("revenue", "渠道", OCT)),
    ("哪个区域本周转化率最高", "other", "query", q("conversion", "region", (W0, W1), order="desc")),
    ("应用商店 各会员等级 边现", "other", "query", q("arpu", "会员等级", D7, {"渠道": "应用商店"})),
    ("revenue by region last week", "other", "query", q("revenue", "region", LW)),
    ("最近两周 各设备 DAU", "other", "query", q("dau", "device_type", D14)),
    ("华南 按渠道 新增会员 本月", "other", "query", q("new_members", "渠道", NOV, {"region": "华南"})),
    ("device breakdown of conversion yesterday", "other", "query",
     q("conversion", "device_type", ("2026-11-23", "2026-11-23"))),
    ("为什么上周收入下降", "demo", "why", {"metric": "revenue"}),
    ("昨天DAU为啥掉了", "demo", "why", {"metric": "dau"}),
    ("why is conversion down this week", "demo", "why", {"metric": "conversion"}),
    ("TV 的边现为什么变低了", "demo", "why", {"metric": "arpu"}),
    ("下个月能不能把边现提升10%", "demo", "goal", {}),
    ("家庭向收入30天内提升20%可行吗", "demo", "goal", {}),
    ("给动漫偏好活跃人群推荐一个策略", "demo", "strategy", {}),
    ("如何提升新用户试看的转化", "demo", "strategy", {}),
    ("预算30万 家庭剧70 动漫30", "demo", "budget", {}),
    ("帮我复盘上周的活动", "demo", "retro", {}),
    ("找一下以前的动漫暑期活动", "demo", "search", {}),
    ("做个实验 新用户试看 转化率 +10% 14天", "demo", "abtest", {}),
    ("看板", "demo", "kpi", {}),
    ("上周整体情况", "demo", "kpi", {"start": LW[0], "end": LW[1]}),
    ("你好", "demo", "none", {}),
    ("明天会下雨吗", "demo", "none", {}),
    ("上个月各平台的退款率", "demo", "none", {}),  # no such metric
    ("各城市的收入", "demo", "none", {}),  # no such dimension in the demo
]  # fmt: skip

# Written after the parser's last change for the two parts above, run once: the figure reported for it.
FRESH: list[Case] = [
    ("上周各内容类型的边现排行", "demo", "query", q("arpu", "content_type", LW)),
    ("本月哪个平台收入最少", "demo", "query", q("revenue", "platform", NOV, order="asc")),
    ("10月份 家庭向高活跃 各资源位 DAU", "demo", "query",
     q("dau", "resource_position", OCT, {"segment": "家庭向高活跃"})),
    ("最近一周各人群的新增会员", "demo", "query", q("new_members", "segment", D7)),
    ("近14天 PC 各优惠类型 收入", "demo", "query", q("revenue", "discount_type", D14, {"platform": "PC"})),
    ("上个月转化率最高的三个人群", "demo", "query", q("conversion", "segment", OCT, order="desc")),
    ("查询 11月 各平台 续费会员", "demo", "query", q("renew_members", "platform", NOV)),
    ("昨天 各内容 边现 从低到高", "demo", "query", q("arpu", "content_type", ("2026-11-23", "2026-11-23"))),
    ("哪个优惠类型上周的边现最低", "demo", "query", q("arpu", "discount_type", LW, order="asc")),
    ("本月 ROI 最高的资源位是哪个", "demo", "query", q("roi", "resource_position", NOV, order="desc")),
    ("各人群 10月 营收 占比", "demo", "query", q("revenue", "segment", OCT)),
    ("revenue by content this month", "demo", "query", q("revenue", "content_type", NOV)),
    ("which segment converts best? last 30 days", "demo", "none", {}),  # "converts": no metric word
    ("new members by discount type last week", "demo", "query", q("new_members", "discount_type", LW)),
    ("TV revenue by segment in november", "demo", "query", q("revenue", "segment", NOV, {"platform": "TV"})),
    ("lowest arpu resource position yesterday", "demo", "query",
     q("arpu", "resource_position", ("2026-11-23", "2026-11-23"), order="asc")),
    ("dau by platfom this week", "demo", "query", q("dau", "platform", (W0, W1))),  # typo
    ("各平台 边现 上上周", "demo", "none", {}),  # 上上周: not a period word we know
    ("各渠道 边现 本月", "other", "query", q("arpu", "渠道", NOV)),
    ("华北 上周 各会员等级 收入", "other", "query", q("revenue", "会员等级", LW, {"region": "华北"})),
    ("哪个渠道最近两周DAU最高", "other", "query", q("dau", "渠道", D14, order="desc")),
    ("conversion by region in october", "other", "query", q("conversion", "region", OCT)),
    ("pad 各地区 续费会员", "other", "query", q("renew_members", "region", D7, {"device_type": "pad"})),
    ("为什么本月转化率下降了", "demo", "why", {"metric": "conversion"}),
    ("上周的DAU为什么这么低", "demo", "why", {"metric": "dau"}),
    ("why did arpu fall yesterday", "demo", "why", {"metric": "arpu"}),
    ("30天内收入能不能涨10%", "demo", "goal", {}),
    ("给新用户试看制定一个提升转化的策略", "demo", "strategy", {}),
    ("预算100万怎么分配 首页位1=0.5 首页位2=0.5", "demo", "budget", {}),
    ("复盘 C2026010", "demo", "retro", {}),
    ("搜索 动漫 5折月卡", "demo", "search", {}),
    ("实验 家庭向高活跃 边现 +3% 21天", "demo", "abtest", {}),
    ("本周整体情况怎么样", "demo", "kpi", {}),
    ("早上好", "demo", "none", {}),
    ("上个月各平台的毛利率", "demo", "none", {}),
]  # fmt: skip

# Written after the parser's last change (the second round of development phrasings), run once: reported.
FRESH_2: list[Case] = [
    ("11月 各资源位 转化率 从高到低", "demo", "query", q("conversion", "resource_position", NOV, order="desc")),
    ("上周收入最多的两个平台", "demo", "query", q("revenue", "platform", LW, order="desc", top=2)),
    ("本月 各内容类型 新增会员 排行", "demo", "query", q("new_members", "content_type", NOV)),
    ("综艺 近7天 各人群 DAU", "demo", "query", q("dau", "segment", D7, {"content_type": "综艺"})),
    ("哪个资源位10月的续费会员最少", "demo", "query", q("renew_members", "resource_position", OCT, order="asc")),
    ("请帮我看下上周各优惠类型的转化率", "demo", "query", q("conversion", "discount_type", LW)),
    ("首页位1 各平台 收入 11月", "demo", "query", q("revenue", "platform", NOV, {"resource_position": "首页位1"})),
    ("最近两周哪个人群边现最高", "demo", "query", q("arpu", "segment", D14, order="desc")),
    ("上个月各平台的投入产出比", "demo", "query", q("roi", "platform", OCT)),
    ("10月 内容 ROI 排名", "demo", "query", q("roi", "content_type", OCT)),
    ("各人群 日活 占比 本周", "demo", "query", q("dau", "segment", (W0, W1))),
    ("动漫偏好活跃 按资源位 收入 上上周", "demo", "query",
     q("revenue", "resource_position", ("2026-11-09", "2026-11-15"), {"segment": "动漫偏好活跃"})),
    ("revenue by segment, top 3, this month", "demo", "query", q("revenue", "segment", NOV, top=3)),
    ("arpu by discount type last 10 days", "demo", "query", q("arpu", "discount_type", ("2026-11-14", "2026-11-23"))),
    ("which platform has the lowest conversion this week", "demo", "query",
     q("conversion", "platform", (W0, W1), order="asc")),
    ("renewals by platform last week", "demo", "none", {}),  # renewals: not a metric word we know
    ("DAU per resource position in October", "demo", "query", q("dau", "resource_position", OCT)),
    ("PC revenue by content type yesterday", "demo", "query",
     q("revenue", "content_type", ("2026-11-23", "2026-11-23"), {"platform": "PC"})),
    ("segemnt arpu last week", "demo", "query", q("arpu", "segment", LW)),  # typo, no by-word
    ("各渠道 转化率 上个月 从低到高", "other", "query", q("conversion", "渠道", OCT, order="asc")),
    ("哪个会员等级本月收入最高", "other", "query", q("revenue", "会员等级", NOV, order="desc")),
    ("官网 各设备 DAU 最近两周", "other", "query", q("dau", "device_type", D14, {"渠道": "官网"})),
    ("revenue by device last week", "other", "query", q("revenue", "device_type", LW)),
    ("region ranking by arpu in october", "other", "query", q("arpu", "region", OCT)),
    ("为什么昨天边现跌了", "demo", "why", {"metric": "arpu"}),
    ("本周收入怎么下降了", "demo", "why", {"metric": "revenue"}),
    ("why did dau go down last week", "demo", "why", {"metric": "dau"}),
    ("能否在下个月把DAU提升5%", "demo", "goal", {}),
    ("怎么提高动漫偏好沉默人群的边现", "demo", "strategy", {}),
    ("预算 80万 动漫60 综艺40", "demo", "budget", {}),
    ("复盘一下最近的活动", "demo", "retro", {}),
    ("搜一下家庭剧的历史活动", "demo", "search", {}),
    ("今天吃什么", "demo", "none", {}),
    ("各平台 流失率 上周", "demo", "none", {}),
    ("上周整体看板", "demo", "kpi", {}),
]  # fmt: skip
