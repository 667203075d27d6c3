"""Reading and validating import files: formats, encodings, and the problems a refused file reports."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.importing import (
    ImportBatch,
    ImportKind,
    ImportProblem,
    ImportRejected,
    content_mix_text,
    content_shares,
    parse_content_mix,
    read_content_mix,
    read_import_file,
    split_positions,
)
from core.importing.campaigns import parse_resource_positions
from core.importing.collector import KEPT_PROBLEMS

DATA = Path(__file__).parent / "data" / "import"
METRICS_HEADER = "date,segment,dau,revenue,new_members,renew_members"
SEGMENTS_HEADER = (
    "segment,active_level,membership_status,size,content_preference,avg_watch_minutes,"
    "price_sensitivity,historical_cvr,avg_arpu_contribution"
)
CAMPAIGNS_HEADER = (
    "campaign_id,name,start_date,end_date,strategy_tag,target_segment,content_mix,"
    "resource_positions,discount,budget_used,revenue_lift,arpu_lift,roi"
)
STR = pd.StringDtype(na_value=np.nan)


def write_csv(directory: Path, text: str, name: str = "file.csv", encoding: str = "utf-8") -> Path:
    path = directory / name
    path.write_bytes(text.encode(encoding))
    return path


def rejected(path: Path, kind: str, **kwargs: int) -> ImportRejected:
    with pytest.raises(ImportRejected) as caught:
        read_import_file(path, kind, **kwargs)
    return caught.value


def problem_lines(error: ImportRejected) -> list[str]:
    return [str(problem) for problem in error.problems]


# --- files that are accepted ------------------------------------------------------------------------


def test_metrics_file_is_read_with_canonical_dtypes_and_values() -> None:
    batch = read_import_file(DATA / "metrics_ok.csv", "metrics")

    assert isinstance(batch, ImportBatch)
    assert batch.kind is ImportKind.METRICS
    assert batch.encoding == "utf-8"
    assert batch.rows == 3
    assert batch.dimensions == ["segment", "platform"]  # header whitespace stripped, file order
    frame = batch.frame
    assert list(frame.columns) == [
        "date",
        "segment",
        "platform",
        "dau",
        "revenue",
        "new_members",
        "renew_members",
    ]
    assert frame["date"].dtype == np.dtype("datetime64[ns]")
    assert frame["segment"].dtype == STR
    assert all(frame[m].dtype == np.float64 for m in ("dau", "revenue", "new_members", "renew_members"))
    # YYYY/MM/DD accepted, values stripped, quoted thousands separators read, the blank line ignored
    assert frame["date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-01-05", "2026-01-05", "2026-01-06"]
    assert frame["segment"].tolist() == ["新客", "老客", "新客"]
    assert frame["dau"].tolist() == [1234.0, 800.0, 1000.0]
    assert frame["revenue"].tolist() == [567.5, 0.0, 2000.25]
    assert frame["renew_members"].tolist() == [30.0, 5.0, 1001.0]


def test_metrics_file_without_dimensions_is_a_total_only_cube() -> None:
    batch = read_import_file(DATA / "metrics_total_only.csv", ImportKind.METRICS)

    assert batch.dimensions == []
    assert list(batch.frame.columns) == ["date", "dau", "revenue", "new_members", "renew_members"]
    assert batch.frame["revenue"].tolist() == [250.5, 260.0]


def test_gbk_file_round_trips_chinese_dimension_names_and_values() -> None:
    batch = read_import_file(DATA / "metrics_gbk.csv", "metrics")

    assert batch.encoding == "gbk"
    assert batch.dimensions == ["渠道", "内容类型"]
    assert batch.frame["渠道"].tolist() == ["抖音引流", "华为应用市场"]
    assert batch.frame["内容类型"].tolist() == ["家庭剧", "动漫"]
    assert batch.frame["dau"].tolist() == [300.0, 200.0]


def test_utf8_bom_file_is_read_and_reported_as_such() -> None:
    batch = read_import_file(DATA / "metrics_bom.csv", "metrics")

    assert batch.encoding == "utf-8-sig"
    assert batch.dimensions == ["segment"]  # the BOM did not stick to the first header name
    assert batch.frame.loc[0, "date"] == pd.Timestamp("2026-02-01")
    assert batch.frame.loc[0, "segment"] == "老客"


def test_gb18030_only_characters_fall_back_to_gb18030(tmp_path: Path) -> None:
    text = f"{METRICS_HEADER}\n2026-01-01,𠀀客群,10,1,0,0\n"  # U+20000 is not in GBK
    batch = read_import_file(write_csv(tmp_path, text, encoding="gb18030"), "metrics")

    assert batch.encoding == "gb18030"
    assert batch.frame["segment"].tolist() == ["𠀀客群"]


def test_bytes_that_are_neither_utf8_nor_gbk_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "binary.csv"
    path.write_bytes(f"{METRICS_HEADER}\n".encode() + b"2026-01-01,\xff\xfe,1,1,0,0\n")

    assert problem_lines(rejected(path, "metrics")) == [
        f"{path}:2:: not UTF-8 or GBK text (first unreadable byte on line 2)"
    ]


def test_typed_and_text_reads_of_the_same_cube_agree(tmp_path: Path) -> None:
    plain = f"{METRICS_HEADER}\n2026-01-01,a,1234,10.5,1,2\n2026-01-02,b,5,0,0,0\n"
    with_separator = plain.replace("1234", '"1,234"')  # forces the all-text read
    typed = read_import_file(write_csv(tmp_path, plain, "plain.csv"), "metrics").frame
    text = read_import_file(write_csv(tmp_path, with_separator, "text.csv"), "metrics").frame

    pd.testing.assert_frame_equal(typed, text)


def test_segments_file_is_normalised() -> None:
    batch = read_import_file(DATA / "segments_ok.csv", "segments")

    frame = batch.frame
    assert batch.dimensions == []
    assert frame["segment"].tolist() == ["高潜家庭", "学生党"]
    assert frame["size"].dtype == np.int64
    assert frame["size"].tolist() == [120_000, 45_000]
    assert frame["price_sensitivity"].tolist() == ["高", "低"]  # "High" normalised
    assert frame["historical_cvr"].tolist() == pytest.approx([0.032, 0.05])  # "3.2%" → 0.032
    assert frame["avg_watch_minutes"].dtype == np.float64
    assert frame["segment"].dtype == STR


def test_campaigns_file_is_normalised_and_optional_columns_may_be_absent() -> None:
    frame = read_import_file(DATA / "campaigns_ok.csv", "campaigns").frame

    assert frame["campaign_id"].tolist() == ["C001", "C002"]
    assert frame["start_date"].dtype == np.dtype("datetime64[ns]")
    assert frame["end_date"].tolist() == [pd.Timestamp("2026-02-10"), pd.Timestamp("2026-02-14")]
    assert frame["resource_positions"].tolist() == ["首页位1|详情页推荐", "首页位2|播放页角标"]
    assert frame["content_mix"].tolist() == ["家庭剧70%+动漫30%", "动漫 100%"]
    assert frame["revenue_lift"].tolist() == pytest.approx([0.12, -0.02])
    assert frame["arpu_lift"].tolist() == pytest.approx([0.05, 0.015])
    assert frame["budget_used"].tolist() == [50000.0, 12000.5]
    assert frame["roi"].tolist() == [2.4, 0.8]
    # budget_planned, target_arpu_lift and success_factors are not in the header: null columns
    assert frame["budget_planned"].dtype == np.float64
    assert frame["budget_planned"].isna().all()
    assert frame["success_factors"].isna().all()
    assert frame["notes"].isna().tolist() == [True, False]  # an empty optional cell is null
    assert frame["notes"].dtype == STR


def test_resources_file_reads_percentages_as_fractions() -> None:
    frame = read_import_file(DATA / "resources_ok.csv", "resources").frame

    assert frame["position"].tolist() == ["首页位1", "详情页推荐"]
    assert frame["max_capacity"].tolist() == pytest.approx([0.8, 0.6])
    assert frame["cost_per_10k"].tolist() == [120.5, 40.0]
    assert frame["elasticity"].tolist() == [0.35, 1.2]


def test_trailing_unnamed_empty_columns_are_ignored(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "position,max_capacity,cost_per_10k,elasticity,,\n首页位1,0.5,1,1,,\n")

    assert list(read_import_file(path, "resources").frame.columns) == [
        "position",
        "max_capacity",
        "cost_per_10k",
        "elasticity",
    ]


# --- files that are refused -------------------------------------------------------------------------


def test_metrics_problems_are_located_and_explained_in_file_order() -> None:
    error = rejected(DATA / "metrics_bad.csv", "metrics")
    file = str(DATA / "metrics_bad.csv")

    assert problem_lines(error) == [
        f"{file}:3:date: not a date (YYYY-MM-DD): '2026-13-01'",
        f"{file}:4:segment: empty cell (a value is required)",
        f"{file}:4:dau: not a number: 'abc'",
        f"{file}:4:new_members: must be a whole number: '1.5'",
        f"{file}:5:revenue: must be ≥ 0",
        f"{file}:5:new_members: empty cell (a value is required)",
        f"{file}:6:: duplicate of row 2",
        f"{file}:7:revenue: revenue without DAU",
    ]
    assert error.total == 8


def test_problem_string_format_is_file_row_column_reason() -> None:
    problem = ImportProblem(file="data/m.csv", row=7, column="dau", reason="not a number: 'x'")
    whole_row = ImportProblem(file="data/m.csv", row=3, column="", reason="duplicate of row 2")

    assert str(problem) == "data/m.csv:7:dau: not a number: 'x'"
    assert str(whole_row) == "data/m.csv:3:: duplicate of row 2"


def test_missing_required_column_is_one_problem_on_row_1(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "date,segment,dau,revenue,new_members\n2026-01-01,a,1,1,1\n")

    error = rejected(path, "metrics")

    assert problem_lines(error) == [f"{path}:1:renew_members: required column is missing"]


def test_missing_optional_column_is_fine_but_missing_required_is_not(tmp_path: Path) -> None:
    header = CAMPAIGNS_HEADER.replace(",roi", "")
    path = write_csv(tmp_path, f"{header}\nC1,n,2026-01-01,2026-01-02,t,s,动漫100%,首页位1,8折,1,1%,1%\n")

    assert problem_lines(rejected(path, "campaigns")) == [f"{path}:1:roi: required column is missing"]


def test_unknown_column_is_named(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "position,max_capacity,cost_per_10k,elasticity,colour\n首页位1,0.5,1,1,red\n")

    [problem] = rejected(path, "resources").problems

    assert (problem.row, problem.column) == (1, "colour")
    assert problem.reason.startswith("unknown column")


def test_unnamed_column_with_values_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "position,max_capacity,cost_per_10k,elasticity,\n首页位1,0.5,1,1,x\n")

    assert problem_lines(rejected(path, "resources")) == [f"{path}:1:: column 5 has values but no name"]


def test_bad_number_in_a_small_table(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "position,max_capacity,cost_per_10k,elasticity\n首页位1,0.5,abc,1\n")

    assert problem_lines(rejected(path, "resources")) == [f"{path}:2:cost_per_10k: not a number: 'abc'"]


def test_negative_numbers_are_refused(tmp_path: Path) -> None:
    row = "高潜,高,会员,-5,剧,-1,中,0.1,0.2"
    path = write_csv(tmp_path, f"{SEGMENTS_HEADER}\n{row}\n")

    assert problem_lines(rejected(path, "segments")) == [
        f"{path}:2:size: must be ≥ 0",
        f"{path}:2:avg_watch_minutes: must be ≥ 0",
    ]


def test_shares_and_choices_are_checked(tmp_path: Path) -> None:
    path = write_csv(tmp_path, f"{SEGMENTS_HEADER}\n高潜,高,会员,5,剧,1,很高,3.2,0.2\n")

    assert problem_lines(rejected(path, "segments")) == [
        f"{path}:2:price_sensitivity: must be one of 高/中/低 or high/medium/low: '很高'",
        f"{path}:2:historical_cvr: must be between 0 and 1 or a percentage like 32%: '3.2'",
    ]


def test_bad_and_reversed_campaign_dates(tmp_path: Path) -> None:
    rows = [
        "C1,n,2026-02-30,2026-03-01,t,s,动漫100%,首页位1,8折,1,1%,1%,1",
        "C2,n,2026-03-05,2026-03-01,t,s,动漫100%,首页位1,8折,1,1%,1%,1",
    ]
    path = write_csv(tmp_path, "\n".join([CAMPAIGNS_HEADER, *rows]) + "\n")

    assert problem_lines(rejected(path, "campaigns")) == [
        f"{path}:2:start_date: not a date (YYYY-MM-DD): '2026-02-30'",
        f"{path}:3:end_date: must be on or after start_date (2026-03-05)",
    ]


def test_duplicate_key_names_both_rows(tmp_path: Path) -> None:
    text = (
        "position,max_capacity,cost_per_10k,elasticity\n首页位1,0.5,1,1\n首页位2,0.5,1,1\n首页位1,0.4,2,1\n"
    )
    path = write_csv(tmp_path, text)

    assert problem_lines(rejected(path, "resources")) == [f"{path}:4:position: duplicate of row 2"]


def test_duplicate_cube_key_compares_parsed_dates_and_stripped_values(tmp_path: Path) -> None:
    path = write_csv(tmp_path, f"{METRICS_HEADER}\n2026-01-01,a,1,1,0,0\n2026/01/01, a ,2,2,0,0\n")

    assert problem_lines(rejected(path, "metrics")) == [f"{path}:3:: duplicate of row 2"]


def test_empty_cell_in_a_small_table(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "position,max_capacity,cost_per_10k,elasticity\n首页位1,,1,1\n")

    assert problem_lines(rejected(path, "resources")) == [
        f"{path}:2:max_capacity: empty cell (a value is required)"
    ]


def test_row_numbers_count_blank_lines_like_a_spreadsheet(tmp_path: Path) -> None:
    path = write_csv(tmp_path, f"{METRICS_HEADER}\n2026-01-01,a,1,1,0,0\n\n\n2026-01-02,a,x,1,0,0\n")

    assert problem_lines(rejected(path, "metrics")) == [f"{path}:5:dau: not a number: 'x'"]


def test_a_cell_with_a_line_break_is_still_one_row(tmp_path: Path) -> None:
    text = 'position,max_capacity,cost_per_10k,elasticity\n"首页\n位1",0.5,1,1\n首页位2,0.5,x,1\n'
    path = write_csv(tmp_path, text)

    assert problem_lines(rejected(path, "resources")) == [f"{path}:3:cost_per_10k: not a number: 'x'"]


def test_row_with_too_many_cells(tmp_path: Path) -> None:
    path = write_csv(tmp_path, f"{METRICS_HEADER}\n2026-01-01,a,1,1,0,0\n2026-01-02,a,1,1,0,0,9\n")

    assert problem_lines(rejected(path, "metrics")) == [
        f"{path}:3:: row has 7 cells but the header has 6 columns"
    ]


def test_header_without_rows_and_empty_file_are_refused(tmp_path: Path) -> None:
    header_only = write_csv(tmp_path, f"{METRICS_HEADER}\n", "header.csv")
    empty = write_csv(tmp_path, "\n", "empty.csv")

    assert problem_lines(rejected(header_only, "metrics")) == [
        f"{header_only}:1:: the file has a header but no data rows"
    ]
    assert problem_lines(rejected(empty, "metrics")) == [f"{empty}:1:: the file is empty (no header row)"]


def test_more_than_max_problems_are_truncated_with_the_count(tmp_path: Path) -> None:
    rows = [f"2026-01-{day:02d},a,bad,1,0,0" for day in range(1, 31)]
    path = write_csv(tmp_path, "\n".join([METRICS_HEADER, *rows]) + "\n")

    error = rejected(path, "metrics")
    lines = str(error).splitlines()

    assert error.total == 30
    assert len(lines) == 21
    assert lines[0] == f"{path}:2:dau: not a number: 'bad'"
    assert lines[19] == f"{path}:21:dau: not a number: 'bad'"
    assert lines[20] == "… and 10 more problems"
    assert str(rejected(path, "metrics", max_problems=5)).splitlines()[-1] == "… and 25 more problems"


def test_a_file_with_countless_problems_keeps_the_first_and_counts_all(tmp_path: Path) -> None:
    rows = [f"2026-01-01,s{i},-1,-1,0,0" for i in range(KEPT_PROBLEMS)]
    path = write_csv(tmp_path, "\n".join([METRICS_HEADER, *rows]) + "\n")

    error = rejected(path, "metrics")

    assert error.total == 2 * KEPT_PROBLEMS
    assert len(error.problems) == KEPT_PROBLEMS
    assert [(p.row, p.column) for p in error.problems[:3]] == [(2, "dau"), (2, "revenue"), (3, "dau")]
    assert str(error).splitlines()[-1] == f"… and {2 * KEPT_PROBLEMS - 20} more problems"


def test_unknown_kind_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown import kind 'users'"):
        read_import_file(write_csv(tmp_path, "a\n1\n"), "users")


# --- content mix --------------------------------------------------------------------------------------


def test_parse_content_mix_returns_fractions_in_written_order() -> None:
    assert parse_content_mix("家庭剧70%+动漫30%") == pytest.approx({"家庭剧": 0.7, "动漫": 0.3})
    assert parse_content_mix("综艺 50%、电影:25%，动漫25%") == pytest.approx(
        {"综艺": 0.5, "电影": 0.25, "动漫": 0.25}
    )
    assert list(parse_content_mix("b60%+a40%")) == ["b", "a"]


def test_parse_content_mix_checks_the_sum_within_one_point() -> None:
    assert sum(parse_content_mix("a33.3%+b33.3%+c33.3%").values()) == pytest.approx(0.999)
    with pytest.raises(ValueError, match="add up to 90%, not 100%"):
        parse_content_mix("家庭剧60%+动漫30%")
    assert parse_content_mix("家庭剧60%+动漫30%", check_sum=False) == pytest.approx(
        {"家庭剧": 0.6, "动漫": 0.3}
    )


def test_parse_content_mix_refuses_parts_without_a_percentage() -> None:
    with pytest.raises(ValueError, match="'动漫' is not a name followed by a percentage"):
        parse_content_mix("家庭剧100%+动漫")


def test_stored_content_mix_is_read_leniently_and_written_back() -> None:
    assert read_content_mix("家庭剧60%+动漫30%") == pytest.approx({"家庭剧": 0.6, "动漫": 0.3})
    assert read_content_mix("家庭剧100%+动漫") == {}
    assert read_content_mix(float("nan")) == {}
    assert read_content_mix("  ") == {}
    assert content_shares("家庭剧60%+动漫30%") == pytest.approx({"家庭剧": 2 / 3, "动漫": 1 / 3})
    assert content_shares(None) == {}
    assert content_mix_text({"家庭剧": 0.7, "动漫": 0.3}) == "家庭剧70%+动漫30%"
    assert content_mix_text(parse_content_mix("综艺 50%、电影:25%，动漫25%")) == "综艺50%+电影25%+动漫25%"


def test_position_lists_split_on_every_separator_the_team_writes() -> None:
    assert split_positions("首页位1|详情页推荐") == ["首页位1", "详情页推荐"]
    assert split_positions(" 首页位1｜详情页推荐，播放页角标;首页位2；a、b ") == [
        "首页位1",
        "详情页推荐",
        "播放页角标",
        "首页位2",
        "a",
        "b",
    ]
    assert split_positions("||") == []
    assert split_positions(float("nan")) == []
    assert split_positions(None) == []


def test_resource_positions_cell_is_normalised_with_the_same_separators() -> None:
    assert parse_resource_positions("首页位1、详情页推荐；播放页角标") == "首页位1|详情页推荐|播放页角标"
    with pytest.raises(ValueError, match="no resource position"):
        parse_resource_positions("|，")


def test_campaign_with_a_bad_content_mix_is_refused(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path, f"{CAMPAIGNS_HEADER}\nC1,n,2026-01-01,2026-01-02,t,s,剧50%+动漫30%,首页位1,8折,1,1%,1%,1\n"
    )

    assert problem_lines(rejected(path, "campaigns")) == [
        f"{path}:2:content_mix: content mix percentages add up to 80%, not 100%"
    ]
