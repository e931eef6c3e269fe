"""`creditmart report`: the quality report a compliance officer reads.

Writes target/quality/report.html (offline: inline CSS and SVG, no script,
no network) and target/quality/quality.json from the built DuckDB file, dbt's
run_results.json and the GX results of `creditmart validate`. Everything is
aggregated: no name, ID number or phone, no entity id.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from pathlib import Path

import duckdb

from creditmart.project import PROJECT_DIR, CreditmartError, check_month, connect, duckdb_path

QUALITY_DIR = PROJECT_DIR / "target" / "quality"
DATA_DOCS = QUALITY_DIR / "data_docs" / "index.html"
COLOURS = {
    "submitted": "#2e7d32",
    "excluded_no_consent": "#9e9e9e",
    "excluded_withdrawn": "#616161",
    "rejected": "#c62828",
    "error": "#c62828",
    "warn": "#ef6c00",
    "line": "#1565c0",
    "line2": "#6a1b9a",
}


def rows(con, sql: str, params: list | None = None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=False)) for r in cursor.fetchall()]


def plain(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if hasattr(value, "is_finite"):  # Decimal
        return float(value)
    return value


def load_gx_results(gx_results: Path, database: Path) -> list[dict]:
    """The last `creditmart validate` results, if they are for this database."""
    if not gx_results.exists():
        return []
    data = json.loads(gx_results.read_text(encoding="utf-8"))
    return data["results"] if data.get("database") == str(database.resolve()) else []


def collect(con, month: str | None, target_path: Path, gx: list[dict]) -> dict:
    months = [r["report_month"] for r in rows(con, "select report_month from rpt_submission_reconciliation order by 1")]
    if not months:
        raise CreditmartError("the mart has no months: run `dbt build` first")
    month = month or months[-1]
    if month not in months:
        raise CreditmartError(f"{month} is not in the mart")
    conservation = rows(con, "select * from rpt_submission_reconciliation order by report_month")
    current = next(r for r in conservation if r["report_month"] == month)
    furnished = 0
    try:
        furnished = con.execute(
            "select count(*) from ledger.furnished_account_records where report_month = ?", [month]
        ).fetchall()[0][0]
    except duckdb.CatalogException:
        pass
    funnel = [
        ("in scope", current["in_scope"]),
        ("consented", current["in_scope"] - current["excluded_no_consent"] - current["excluded_withdrawn"]),
        ("passed error rules", current["submitted"]),
        ("submitted", current["submitted"]),
        ("furnished (exported)", furnished),
    ]
    coverage = rows(con, "select * from rpt_consent_coverage order by report_month, dimension, dimension_value")
    catalogue = {r["rule_id"]: r for r in rows(con, "select * from reference.ref_rule_catalogue")}
    by_rule = rows(
        con,
        """
        select rule_id, severity, count(*) as violations,
               count(*) filter (where report_month is null) as row_level,
               count(*) filter (where report_month = ?) as in_month
        from fct_rule_violations group by rule_id, severity order by violations desc, rule_id""",
        [month],
    )
    by_month = rows(
        con,
        """
        select coalesce(report_month, 'row-level') as report_month, rule_id, count(*) as violations
        from fct_rule_violations group by all order by 1, 2""",
    )
    outcome_reasons = rows(
        con,
        """
        select outcome, outcome_reasons, count(*) as account_months, sum(balance) as balance
        from fct_account_months where report_month = ? and outcome <> 'submitted'
        group by all order by account_months desc""",
        [month],
    )
    dbt_tests = dbt_results(target_path)
    rules = []
    for rule_id, rule in sorted(catalogue.items()):
        tests = [t for t in dbt_tests if t["rule_id"] == rule_id]
        expectations = [g for g in gx if g["rule_id"] == rule_id]
        violation = next((v for v in by_rule if v["rule_id"] == rule_id), None)
        rules.append(
            {
                "rule_id": rule_id,
                "severity": rule["severity"],
                "layer": rule["layer"],
                "description": rule["description"],
                "violations": violation["violations"] if violation else 0,
                "dbt_tests": len(tests),
                "dbt_failures": sum(t["status"] in ("fail", "error") for t in tests),
                "gx_expectations": len(expectations),
                "gx_failures": sum(not g["success"] for g in expectations),
            }
        )
    return {
        "month": month,
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "status": {
            "balanced": bool(current["balanced"]),
            "all_months_balanced": all(r["balanced"] for r in conservation),
            "dbt_test_failures": sum(t["status"] in ("fail", "error") for t in dbt_tests),
            "dbt_tests": len(dbt_tests),
            "gx_error_failures": sum(not g["success"] and g["severity"] == "error" for g in gx),
            "gx_warn_failures": sum(not g["success"] and g["severity"] != "error" for g in gx),
            "gx_results": len(gx),
        },
        "funnel": [{"stage": s, "account_months": n} for s, n in funnel],
        "conservation": [{k: plain(v) for k, v in r.items()} for r in conservation],
        "coverage": [{k: plain(v) for k, v in r.items()} for r in coverage],
        "not_submitted_reasons": [{k: plain(v) for k, v in r.items()} for r in outcome_reasons],
        "violations_by_rule": [{**v, "description": catalogue[v["rule_id"]]["description"]} for v in by_rule],
        "violations_by_month": by_month,
        "rules": rules,
    }


def dbt_results(target_path: Path) -> list[dict]:
    """dbt test results with the rule_id of each test (from the manifest's meta)."""
    run_results, manifest = target_path / "run_results.json", target_path / "manifest.json"
    if not run_results.exists() or not manifest.exists():
        return []
    nodes = json.loads(manifest.read_text(encoding="utf-8"))["nodes"]
    results = []
    for result in json.loads(run_results.read_text(encoding="utf-8"))["results"]:
        node = nodes.get(result["unique_id"], {})
        if node.get("resource_type") not in ("test", "unit_test") and not result["unique_id"].startswith("unit_test"):
            continue
        results.append(
            {
                "test": node.get("name", result["unique_id"]),
                "status": result["status"],
                "rule_id": (node.get("config", {}).get("meta") or {}).get("rule_id"),
            }
        )
    return results


# ---------------------------------------------------------------- rendering
def esc(value) -> str:
    return html.escape("" if value is None else str(value))


def number(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    return f"{value:,}" if isinstance(value, int) else esc(value)


def bar_chart(items: list[tuple[str, float, str]], title: str, width: int = 640) -> str:
    """Horizontal bars: (label, value, colour)."""
    if not items:
        return f'<p class="empty">{esc(title)}: nothing to show.</p>'
    top = max(v for _, v, _ in items) or 1
    row, label_w = 26, 190
    height = row * len(items) + 30
    parts = [
        f'<svg class="chart" role="img" aria-label="{esc(title)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>{esc(title)}</title>'
    ]
    for i, (label, value, colour) in enumerate(items):
        y = 20 + i * row
        w = (width - label_w - 90) * value / top
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end">{esc(label)}</text>'
            f'<rect x="{label_w}" y="{y + 2}" width="{w:.1f}" height="{row - 8}" fill="{colour}"/>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 15}">{number(value)}</text>'
        )
    return "".join(parts) + "</svg>"


def line_chart(series: dict[str, list[tuple[str, float]]], title: str, width: int = 640, height: int = 220) -> str:
    """Lines over months, values in [0, 1] (ratios)."""
    labels = sorted({m for points in series.values() for m, _ in points})
    if not labels:
        return f'<p class="empty">{esc(title)}: nothing to show.</p>'
    left, bottom, top_pad = 50, 40, 20
    plot_w, plot_h = width - left - 40, height - bottom - top_pad
    x = {m: left + (plot_w * i / max(len(labels) - 1, 1)) for i, m in enumerate(labels)}
    parts = [
        f'<svg class="chart" role="img" aria-label="{esc(title)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>{esc(title)}</title>'
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1):
        y = top_pad + plot_h * (1 - tick)
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e0e0e0"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick:.0%}</text>'
        )
    for m in labels[:: max(1, len(labels) // 8)]:
        parts.append(f'<text x="{x[m]:.1f}" y="{height - 15}" text-anchor="middle">{esc(m)}</text>')
    for (name, points), colour in zip(series.items(), (COLOURS["line"], COLOURS["line2"]), strict=False):
        path = " ".join(f"{x[m]:.1f},{top_pad + plot_h * (1 - (v or 0)):.1f}" for m, v in points)
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2.5" points="{path}"/>')
        parts.append(
            f'<text x="{left + plot_w}" y="{top_pad - 6 if colour == COLOURS["line"] else top_pad + 10}" '
            f'text-anchor="end" fill="{colour}">{esc(name)}</text>'
        )
    return "".join(parts) + "</svg>"


def table(headers: list[str], body: list[list], css: str = "") -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)

    def cell(c) -> str:
        numeric = isinstance(c, (int, float)) and not isinstance(c, bool) or (isinstance(c, str) and c.endswith("%"))
        return f'<td class="{"num" if numeric else "text"}">{c if isinstance(c, Markup) else number(c)}</td>'

    lines = "".join("<tr>" + "".join(cell(c) for c in r) + "</tr>" for r in body)
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{lines}</tbody></table>'


class Markup(str):
    """Already-escaped HTML for a table cell."""


def badge(ok: bool, yes: str, no: str) -> Markup:
    return Markup(f'<span class="badge {"pass" if ok else "fail"}">{esc(yes if ok else no)}</span>')


def render(data: dict, data_docs_link: str) -> str:
    month, status = data["month"], data["status"]
    current = next(r for r in data["conservation"] if r["report_month"] == month)
    funnel = bar_chart(
        [(f["stage"], f["account_months"], COLOURS["submitted"]) for f in data["funnel"]],
        f"Consent coverage funnel, {month} (account-months)",
    )
    outcome_bars = bar_chart(
        [
            (k.replace("_", " "), current[k], COLOURS[k])
            for k in ("submitted", "excluded_no_consent", "excluded_withdrawn", "rejected")
        ],
        f"Where every in-scope account-month went, {month}",
    )
    overall = [r for r in data["coverage"] if r["dimension"] == "overall"]
    trend = line_chart(
        {
            "borrower coverage": [(r["report_month"], r["coverage_ratio"]) for r in overall],
            "submitted balance share": [(r["report_month"], r["submitted_balance_ratio"]) for r in overall],
        },
        "Consent coverage trend",
    )
    by_dimension = [r for r in data["coverage"] if r["report_month"] == month and r["dimension"] != "overall"]
    pareto_rules = data["violations_by_rule"]
    total_violations = sum(v["violations"] for v in pareto_rules) or 1
    running, pareto_rows = 0, []
    for v in pareto_rules:
        running += v["violations"]
        pareto_rows.append(
            [
                v["rule_id"],
                Markup(f'<span class="sev {v["severity"]}">{esc(v["severity"])}</span>'),
                v["description"],
                v["violations"],
                v["in_month"],
                v["row_level"],
                f"{running / total_violations:.0%}",
            ]
        )
    pareto = bar_chart(
        [(v["rule_id"], v["violations"], COLOURS[v["severity"]]) for v in pareto_rules[:15]],
        "Rule violations by rule (Pareto, all months)",
    )
    months = sorted({v["report_month"] for v in data["violations_by_month"]})
    rule_ids = sorted({v["rule_id"] for v in data["violations_by_month"]})
    grid = {(v["report_month"], v["rule_id"]): v["violations"] for v in data["violations_by_month"]}
    rules_rows = [
        [
            r["rule_id"],
            Markup(f'<span class="sev {r["severity"]}">{esc(r["severity"])}</span>'),
            r["layer"],
            r["description"],
            r["violations"],
            f"{r['dbt_tests'] - r['dbt_failures']}/{r['dbt_tests']}",
            f"{r['gx_expectations'] - r['gx_failures']}/{r['gx_expectations']}",
        ]
        for r in data["rules"]
    ]
    sections = [
        f"<h1>creditmart quality report &mdash; {esc(month)}</h1>",
        f'<p class="meta">Generated {esc(data["generated_at"])}. Aggregates only: no names, ID numbers or phones.</p>',
        '<div class="status">',
        badge(status["balanced"], f"conservation {month}: balanced", f"conservation {month}: NOT balanced"),
        badge(status["all_months_balanced"], "all months balanced", "some month does not balance"),
        badge(
            status["dbt_test_failures"] == 0,
            f"dbt tests: {status['dbt_tests']} passed",
            f"dbt tests: {status['dbt_test_failures']} failed",
        ),
        badge(
            status["gx_results"] > 0 and status["gx_error_failures"] == 0,
            "GX: no error-severity failure",
            f"GX: {status['gx_error_failures']} error-severity failures"
            if status["gx_results"]
            else "GX: not validated (run creditmart validate)",
        ),
        "</div>",
        "<h2>Consent coverage</h2>",
        funnel,
        outcome_bars,
        trend,
        f"<h3>By channel and policy version of the consenting grant, {esc(month)}</h3>",
        table(
            ["dimension", "value", "borrowers in scope", "consented", "coverage", "submitted balance share"],
            [
                [
                    r["dimension"],
                    r["dimension_value"],
                    r["borrowers_in_scope"],
                    r["consented_borrowers"],
                    f"{(r['coverage_ratio'] or 0):.1%}",
                    f"{(r['submitted_balance_ratio'] or 0):.1%}",
                ]
                for r in by_dimension
            ],
        ),
        f"<h3>Why account-months were not submitted, {esc(month)}</h3>",
        table(
            ["outcome", "reasons", "account-months", "balance"],
            [
                [r["outcome"], r["outcome_reasons"], r["account_months"], r["balance"]]
                for r in data["not_submitted_reasons"]
            ],
        ),
        "<h2>Conservation: in scope = submitted + excluded + rejected</h2>",
        table(
            [
                "month",
                "in scope",
                "submitted",
                "no consent",
                "withdrawn",
                "rejected",
                "in-scope balance",
                "submitted balance",
                "excluded balance",
                "rejected balance",
                "balanced",
            ],
            [
                [
                    r["report_month"],
                    r["in_scope"],
                    r["submitted"],
                    r["excluded_no_consent"],
                    r["excluded_withdrawn"],
                    r["rejected"],
                    r["in_scope_balance"],
                    r["submitted_balance"],
                    (r["excluded_no_consent_balance"] or 0) + (r["excluded_withdrawn_balance"] or 0),
                    r["rejected_balance"],
                    badge(r["balanced"], "pass", "FAIL"),
                ]
                for r in data["conservation"]
            ],
            "conservation",
        ),
        "<h2>Rule violations</h2>",
        pareto,
        table(["rule", "severity", "description", "violations", f"in {month}", "row-level", "cumulative"], pareto_rows),
        "<h3>By month</h3>",
        table(["rule"] + months, [[r] + [grid.get((m, r), "") for m in months] for r in rule_ids]),
        "<h2>Rules, dbt tests and Great Expectations, joined by rule_id</h2>",
        table(
            ["rule", "severity", "layer", "description", "violations", "dbt tests passed", "GX expectations passed"],
            rules_rows,
        ),
        f'<p>Great Expectations Data Docs: <a href="{esc(data_docs_link)}">open the validation results</a>.</p>',
    ]
    style = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1100px;color:#212121}
h1{font-size:1.6rem}h2{margin-top:2.2rem;border-bottom:2px solid #eee;padding-bottom:.3rem}
.meta{color:#616161}.status{display:flex;gap:.6rem;flex-wrap:wrap;margin:1rem 0}
.badge{padding:.35rem .7rem;border-radius:1rem;font-weight:600;font-size:.9rem}
.pass{background:#e8f5e9;color:#1b5e20}.fail{background:#ffebee;color:#b71c1c}
table{border-collapse:collapse;margin:.8rem 0;font-size:.85rem;width:100%}
th,td{border-bottom:1px solid #eee;padding:.3rem .5rem;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}
thead th{background:#fafafa}.sev{font-weight:600}.sev.error{color:#c62828}.sev.warn{color:#ef6c00}
svg.chart{display:block;margin:1rem 0;font-size:12px;max-width:100%}.empty{color:#9e9e9e}
"""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>creditmart quality {esc(month)}</title><style>{style}</style></head><body>"
        + "\n".join(sections)
        + "</body></html>\n"
    )


def run_report(month: str | None = None, db: str | None = None, target_path: str | None = None) -> str:
    if month:
        check_month(month)
    path = duckdb_path(db)
    if not path.exists():
        raise CreditmartError(f"{path} does not exist: run `dbt build` first")
    con = connect(path, read_only=True)
    try:
        data = collect(
            con,
            month,
            Path(target_path) if target_path else PROJECT_DIR / "target",
            load_gx_results(QUALITY_DIR / "gx_results.json", path),
        )
    except duckdb.CatalogException as error:
        raise CreditmartError(f"the mart is incomplete ({str(error).splitlines()[0]}): run `dbt build` first") from None
    finally:
        con.close()
    QUALITY_DIR.mkdir(parents=True, exist_ok=True)
    (QUALITY_DIR / "quality.json").write_text(json.dumps(data, indent=1, default=plain) + "\n", encoding="utf-8")
    report = QUALITY_DIR / "report.html"
    report.write_text(render(data, "data_docs/index.html"), encoding="utf-8")
    return f"wrote {report.relative_to(PROJECT_DIR)} and quality.json for {data['month']}"
