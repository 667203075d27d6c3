"""The cube's SQL for every dialect, read back by a real SQL parser (sqlglot) for that dialect.

PostgreSQL and MariaDB run this SQL for real in test_sources_warehouse.py. StarRocks and Doris cannot run
here: their GROUPING SETS form is compiled exactly as the product sends it (MySQL quoting, the values
inlined the way PyMySQL inlines them) and parsed with sqlglot's StarRocks and Doris dialects, which proves
it is well-formed for them and has the shape we mean — not that their planners accept it.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlglot
from sqlalchemy import Column, Date, DateTime, Double, MetaData, String, Table
from sqlalchemy.dialects import mysql, postgresql
from sqlglot import exp

from core.config import ConfigError
from storage.sources.base import SourceError
from storage.sources.mapping import parse_measures, resolve_mapping
from storage.sources.queries import QUERIES

COLUMNS = ["stat_date", "segment", "platform", "active_users", "rev_yuan", "new_members", "renew_members"]
DAY = dt.date(2026, 11, 20)


def queries(flavour: str, date_type=Date):  # type: ignore[no-untyped-def]
    mapping = resolve_mapping(
        "ads.member_cube", "stat_date", "", "dau=active_users,revenue=rev_yuan", COLUMNS
    )
    table = Table(
        "member_cube",
        MetaData(),
        Column("stat_date", date_type),
        Column("segment", String(64)),
        Column("platform", String(64)),
        *(Column(c, Double) for c in COLUMNS[3:]),
        schema="ads",
    )
    return QUERIES[flavour](table, mapping)


def sql(statement, flavour: str) -> str:  # type: ignore[no-untyped-def]
    dialect = postgresql.dialect() if flavour == "postgresql" else mysql.dialect()
    return str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


@pytest.mark.parametrize(
    ("flavour", "reader"), [("starrocks", "starrocks"), ("doris", "doris"), ("postgresql", "postgres")]
)
def test_grouping_sets_form_parses_in_its_dialect_with_one_grouping_per_dimension(
    flavour: str, reader: str
) -> None:
    text = sql(queries(flavour).series(["segment", "platform"], DAY - dt.timedelta(days=6), DAY), flavour)
    tree = sqlglot.parse_one(text, read=reader)
    assert isinstance(tree, exp.Select)
    (grouping,) = tree.args["group"].expressions
    assert isinstance(grouping, exp.GroupingSets)
    sets = grouping.expressions
    assert [[c.name for c in s.find_all(exp.Column)] for s in sets] == [
        ["stat_date"],
        ["stat_date", "segment"],
        ["stat_date", "platform"],
    ]
    groupings = [
        f for f in tree.find_all(exp.Anonymous, exp.Grouping) if f.sql().lower().startswith("grouping(")
    ]
    assert {len(list(g.find_all(exp.Column))) for g in groupings} == {1}  # one-argument GROUPING()
    assert {c.name for g in groupings for c in g.find_all(exp.Column)} == {"segment", "platform"}
    assert "'2026-11-14'" in text and "'2026-11-20'" in text
    if flavour != "postgresql":
        assert "`member_cube`" in text or "ads.member_cube" in text


def test_mysql_and_mariadb_get_a_union_all_of_plain_group_bys() -> None:
    text = sql(queries("mariadb").series(["segment", "platform"], DAY, DAY), "mariadb")
    assert "GROUPING SETS" not in text.upper()
    tree = sqlglot.parse_one(text, read="mysql")
    unions = list(tree.find_all(exp.Union))
    selects = [s for s in tree.find_all(exp.Select) if s.args.get("group")]
    assert unions and len(selects) == 3  # total, segment, platform


@pytest.mark.parametrize("flavour", sorted(QUERIES))
def test_every_statement_is_a_select(flavour: str) -> None:
    q = queries(flavour)
    statements = [
        q.leaves(DAY, DAY), q.series(["segment"], DAY, DAY), q.recent_days(DAY), q.date_range(),
        q.scoped_daily({"segment": "x"}, DAY, DAY), q.scoped_daily({"segment": "x"}, DAY, DAY, by="platform"),
    ]  # fmt: skip
    reader = {"postgresql": "postgres", "mariadb": "mysql"}.get(flavour, flavour)
    for statement in statements:
        tree = sqlglot.parse_one(sql(statement, flavour), read=reader)
        assert isinstance(tree, exp.Select | exp.Union), tree.sql()
        assert not list(tree.find_all(exp.Insert, exp.Update, exp.Delete, exp.Create, exp.Drop))


def test_values_are_bound_parameters_and_timestamps_are_read_as_days() -> None:
    q = queries("postgresql", DateTime)
    compiled = q.leaves(DAY, DAY).compile(dialect=postgresql.dialect())
    assert "2026" not in str(compiled)  # bound, not pasted
    assert sorted(compiled.params.values()) == [DAY, DAY + dt.timedelta(days=1)]  # [day, next midnight)
    assert "CAST(ads.member_cube.stat_date AS DATE)" in str(compiled)
    text_dates = queries("postgresql", String(10)).leaves(DAY, DAY).compile(dialect=postgresql.dialect())
    assert sorted(text_dates.params.values()) == ["2026-11-20", "2026-11-20"]


def test_measures_mapping_and_its_refusals() -> None:
    assert parse_measures("dau=active_users, revenue=rev_yuan") == {
        "dau": "active_users",
        "revenue": "rev_yuan",
        "new_members": "new_members",
        "renew_members": "renew_members",
    }
    for text, words in [
        ("dau", "not measure=column"),
        ("arpu=x", "not measure=column"),
        ("dau=uv:distinct", "not additive"),
        ("dau=uv:avg", "sum or distinct"),
    ]:
        with pytest.raises(SourceError) as caught:
            parse_measures(text)
        assert caught.value.setting == "METRICS_MEASURES" and words in str(caught.value)


def test_default_dimensions_are_every_other_column_and_clashes_are_refused() -> None:
    mapping = resolve_mapping("t", "stat_date", "", "dau=active_users,revenue=rev_yuan", COLUMNS)
    assert mapping.dimensions == ("segment", "platform")
    with pytest.raises(SourceError) as caught:  # a column named like a measure would become a dimension
        resolve_mapping("t", "stat_date", "", "dau=active_users,revenue=rev_yuan", [*COLUMNS, "revenue"])
    assert caught.value.setting == "METRICS_DIMENSIONS" and "'revenue'" in str(caught.value)
    with pytest.raises(SourceError) as caught:
        resolve_mapping("t", "stat_date", "segment,stat_date", "dau=active_users,revenue=rev_yuan", COLUMNS)
    assert caught.value.setting == "METRICS_DIMENSIONS"


def test_start_up_refuses_a_bad_source_naming_the_variable(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bot.context import AppContext

    database = f"sqlite:///{tmp_path / 'a.db'}"
    cases = [
        ({"metrics_source": "oracle://u:p@h/db", "metrics_table": "t"}, "METRICS_SOURCE"),
        ({"metrics_source": "postgresql://u:p@h/db"}, "METRICS_TABLE"),
        (
            {"metrics_source": "postgresql://u:p@h/db", "metrics_table": "t", "metrics_measures": "dau"},
            "METRICS_MEASURES",
        ),
    ]
    for overrides, variable in cases:
        with pytest.raises(ConfigError) as caught:
            AppContext.from_environment(database_url=database, **overrides)
        assert str(caught.value).startswith(variable)
        assert ":p@" not in str(caught.value)
    context = AppContext.from_environment(
        database_url=database, metrics_source="postgresql://u:hunter2@h/db", metrics_table="t"
    )
    assert "hunter2" not in repr(context.settings) and "hunter2" not in repr(context.source)


def test_a_breakdown_inside_a_slice_groups_by_day_and_the_dimension() -> None:
    text = sql(
        queries("postgresql").scoped_daily({"segment": "家庭向"}, DAY, DAY, by="platform"), "postgresql"
    )
    tree = sqlglot.parse_one(text, read="postgres")
    assert [c.name for c in tree.args["group"].find_all(exp.Column)] == ["stat_date", "platform"]
    assert [s.alias_or_name for s in tree.expressions][:2] == ["date", "value"]
    assert "segment = '家庭向'" in text
