//! The board as one HTML page: no request leaves it (styles, the chart and the campaign
//! filter's script are inline, under a Content-Security-Policy that allows nothing else),
//! and every value from the data is escaped.

use base64::Engine;
use charts_rs::{BarChart, HeatmapChart, LineChart, Series};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::labels::{Lang, arrow, grouped};
use super::tiles::{INDICATORS, Tile, Tone, Unit};
use super::{Board, Driver, Optional, Row};

/// Shows only the rows of the chosen campaign (every element with `data-campaign`).
/// A page opened as `board.html#campaign=ID` starts filtered to that campaign.
const FILTER_SCRIPT: &str = "var filter = document.getElementById('campaign-filter');\n\
function show(chosen) {\n\
  document.querySelectorAll('[data-campaign]').forEach(function (element) {\n\
    element.hidden = chosen !== '' && element.getAttribute('data-campaign') !== chosen;\n\
  });\n\
}\n\
filter.addEventListener('change', function () { show(filter.value); });\n\
var linked = decodeURIComponent(location.hash.replace(/^#campaign=/, ''));\n\
if (linked !== '' && linked !== location.hash) { filter.value = linked; show(filter.value); }\n";

const STYLE: &str = "body{font-family:'WenQuanYi Micro Hei','Noto Sans CJK SC','PingFang SC','Microsoft YaHei',Roboto,sans-serif;margin:24px;color:#222;background:#f6f7f9}\
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:0 0 8px}\
header{display:flex;justify-content:space-between;align-items:flex-end;flex-wrap:wrap;gap:8px;margin-bottom:16px}\
section{background:#fff;border-radius:8px;padding:14px 16px;margin-bottom:16px;box-shadow:0 1px 2px rgba(0,0,0,.08)}\
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:12px;background:none;box-shadow:none;padding:0}\
.tile{background:#fff;border-radius:8px;padding:12px 14px;box-shadow:0 1px 2px rgba(0,0,0,.08)}\
.tile .name{color:#555;font-size:13px}.tile .value{font-size:26px;font-weight:600;margin:4px 0}\
.change{font-size:12px;color:#666}.good{color:#1a7f37}.bad{color:#cf222e}\
.drivers{margin:6px 0 0;padding-left:16px;font-size:12px;color:#444}\
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eee}\
td.num{text-align:right;font-variant-numeric:tabular-nums}\
.bar{display:inline-block;height:8px;background:#4e79a7;border-radius:2px;vertical-align:middle;margin-right:6px}\
.source{color:#888;font-size:11px;margin:6px 0 0}.unavailable{color:#888}";

/// The page for `board`.
pub fn render(board: &Board) -> String {
    let lang = board.options.lang;
    let t = |key: &str| escape(lang.text(key));
    let last_day = board
        .daily
        .last()
        .and_then(|row| text(row, "day"))
        .unwrap_or_default();
    let scope = board
        .options
        .campaign
        .clone()
        .unwrap_or_else(|| lang.text("all_campaigns").to_string());
    let mut html = String::new();
    html.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">{}\
         <title>{} · {}</title><style>{STYLE}</style></head><body>\n",
        lang.code(),
        content_security_policy(),
        board
            .options
            .reload_after
            .map(|after| format!(
                "<meta http-equiv=\"refresh\" content=\"{}\">",
                after.as_secs().max(1)
            ))
            .unwrap_or_default(),
        t("title"),
        escape(&last_day),
    ));
    html.push_str(&format!(
        "<header><div><h1>{}</h1><div class=\"change\">{}: {} · {}: {}</div></div>{}</header>\n",
        t("title"),
        t("last_day"),
        escape(&last_day),
        t("campaign"),
        escape(&scope),
        campaign_filter(board, lang),
    ));
    html.push_str(&tiles(board, lang));
    html.push_str(&format!(
        "<section><h2>{}</h2>{}<p class=\"source\">{}: kpi_daily</p></section>\n",
        t("trend"),
        trend_chart(board, lang),
        t("source"),
    ));
    html.push_str(&panel(
        lang,
        "heatmap_panel",
        "connect_heatmap",
        &heatmap_chart(board, lang),
    ));
    html.push_str(&campaign_table(board, lang));
    html.push_str(&alerts(board, lang));

    let tables: [TablePanel; 6] = [
        (
            "scripts_panel",
            "script_ranking",
            rows_of(&board.scripts),
            SCRIPT_COLUMNS,
        ),
        (
            "retire_panel",
            "script_elimination",
            rows_of(&board.retire),
            RETIRE_COLUMNS,
        ),
        (
            "funnel_panel",
            "funnel_by_attempt",
            rows_of(&board.funnel),
            FUNNEL_COLUMNS,
        ),
        (
            "intents_panel",
            "top_intents",
            Ok(&board.intents),
            INTENT_COLUMNS,
        ),
        (
            "agents_panel",
            "agent_performance",
            rows_of(&board.agents),
            AGENT_COLUMNS,
        ),
        (
            "findings_panel",
            "compliance_audit",
            rows_of(&board.findings),
            FINDING_COLUMNS,
        ),
    ];
    for (title, query, rows, columns) in tables {
        if title == "findings_panel" {
            let chart = staffing_chart(board, lang);
            html.push_str(&panel(lang, "staffing_panel", "staffing_plan", &chart));
        }
        html.push_str(&panel(lang, title, query, &rows_table(lang, rows, columns)));
    }
    html.push_str(&format!(
        "<script>{FILTER_SCRIPT}</script>\n</body></html>\n"
    ));
    html
}

/// Nothing may load from anywhere; inline styles and images (the SVG chart) are allowed,
/// and the one inline script by its hash.
fn content_security_policy() -> String {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(FILTER_SCRIPT));
    format!(
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{hash}'; \
         base-uri 'none'; form-action 'none'"
    )
}

/// Text escaped for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    html_escape::encode_quoted_attribute(text).into_owned()
}

fn text(row: &Row, column: &str) -> Option<String> {
    row.get(column).and_then(Value::as_str).map(str::to_string)
}

fn number(row: &Row, column: &str) -> Option<f64> {
    row.get(column).and_then(Value::as_f64)
}

fn campaign_filter(board: &Board, lang: Lang) -> String {
    let mut options = format!(
        "<option value=\"\">{}</option>",
        escape(lang.text("all_campaigns"))
    );
    for row in &board.campaigns {
        if let Some(campaign) = text(row, "campaign_id") {
            let campaign = escape(&campaign);
            options.push_str(&format!("<option value=\"{campaign}\">{campaign}</option>"));
        }
    }
    format!(
        "<label>{} <select id=\"campaign-filter\">{options}</select></label>",
        escape(lang.text("filter_hint"))
    )
}

/// A value as its tile shows it.
fn formatted(value: Option<f64>, unit: Unit, lang: Lang) -> String {
    let Some(value) = value else {
        return "—".to_string();
    };
    match (unit, lang) {
        (Unit::Count, _) => grouped(value),
        (Unit::Rate, _) => format!("{:.1}%", 100.0 * value),
        (Unit::Seconds, Lang::Zh) => format!("{value:.1}秒"),
        (Unit::Seconds, Lang::En) => format!("{value:.1} s"),
        (Unit::Score, _) => format!("{value:.1}"),
    }
}

/// A change as its tile shows it: points for rates and scores, percent otherwise.
fn change_text(change: Option<f64>, unit: Unit, lang: Lang) -> String {
    let Some(change) = change else {
        return "—".to_string();
    };
    match unit {
        Unit::Rate => lang.points(change, "pp"),
        Unit::Score => lang.points(change, "pts"),
        Unit::Count | Unit::Seconds => format!("{}{:.1}%", arrow(change), change.abs()),
    }
}

fn tone_class(tone: Tone) -> &'static str {
    match tone {
        Tone::Good => "good",
        Tone::Bad => "bad",
        Tone::Neutral => "",
    }
}

fn tiles(board: &Board, lang: Lang) -> String {
    let mut html = String::from("<section class=\"tiles\">\n");
    for indicator in INDICATORS {
        let tile = Tile::from_days(indicator, &board.daily);
        let mut changes = String::new();
        for (key, reference) in [
            ("vs_yesterday", tile.previous),
            ("vs_week", tile.trailing_mean),
        ] {
            let change = tile.change(reference);
            changes.push_str(&format!(
                "<div class=\"change\">{} <span class=\"{}\">{}</span></div>",
                escape(lang.text(key)),
                tone_class(tile.tone(change)),
                escape(&change_text(change, indicator.unit, lang)),
            ));
        }
        let drivers = indicator
            .drivers
            .and_then(|kpi| board.drivers.iter().find(|(k, _)| *k == kpi))
            .map(|(_, drivers)| driver_list(drivers, lang))
            .unwrap_or_default();
        html.push_str(&format!(
            "<div class=\"tile\" data-indicator=\"{}\"><div class=\"name\">{}</div>\
             <div class=\"value\">{}</div>{changes}{drivers}</div>\n",
            indicator.column,
            escape(lang.text(indicator.column)),
            escape(&formatted(tile.last, indicator.unit, lang)),
        ));
    }
    html.push_str(&format!(
        "<p class=\"source\">{}: kpi_daily, kpi_change_drivers</p></section>\n",
        escape(lang.text("source"))
    ));
    html
}

/// The top drivers of a rate's change, as `cmp006 −1.9` (percentage points).
fn driver_list(drivers: &[Driver], lang: Lang) -> String {
    if drivers.is_empty() {
        return String::new();
    }
    let items: String = drivers
        .iter()
        .map(|driver| {
            let segment = driver.segment.as_deref().unwrap_or("NULL");
            let name = match (driver.dimension, lang) {
                ("hour", Lang::Zh) => format!("{segment}时段"),
                ("hour", Lang::En) => format!("{segment}:00"),
                _ => segment.to_string(),
            };
            let sign = if driver.effect < 0.0 { "−" } else { "+" };
            format!(
                "<li>{} <b>{}</b> {sign}{:.1}</li>",
                escape(lang.text(driver.dimension)),
                escape(&name),
                100.0 * driver.effect.abs(),
            )
        })
        .collect();
    format!(
        "<ul class=\"drivers\" title=\"{}\">{items}</ul>",
        escape(lang.text("drivers"))
    )
}

/// Connect and conversion rate per day, in percent.
fn trend_chart(board: &Board, lang: Lang) -> String {
    if board.daily.is_empty() {
        return format!("<p>{}</p>", escape(lang.text("no_data")));
    }
    let days: Vec<String> = board
        .daily
        .iter()
        .map(|row| text(row, "day").unwrap_or_default())
        .collect();
    let percent = |column: &str| -> Vec<Option<f32>> {
        board
            .daily
            .iter()
            .map(|row| number(row, column).map(|v| (100.0 * v) as f32))
            .collect()
    };
    let series = vec![
        Series::new_nullable(
            lang.text("connect_rate").to_string(),
            percent("connect_rate"),
        ),
        Series::new_nullable(
            lang.text("conversion_rate").to_string(),
            percent("conversion_rate"),
        ),
    ];
    let mut chart = LineChart::new(series, days);
    chart.base.width = 900.0;
    chart.base.height = 320.0;
    chart.base.font_family = super::fonts::chart_family().to_string();
    match chart.svg() {
        Ok(svg) => format!("<div class=\"chart\" data-chart=\"trend\">{svg}</div>"),
        Err(error) => format!("<p>{}</p>", escape(&error.to_string())),
    }
}

fn campaign_table(board: &Board, lang: Lang) -> String {
    let t = |key: &str| escape(lang.text(key));
    let columns = [
        "attempts",
        "connect_rate",
        "conversion_rate",
        "abandon_rate_tsr",
        "transfer_rate",
    ];
    let mut html = format!("<section><h2>{}</h2>", t("by_campaign"));
    html.push_str(&table_head(
        lang,
        &[
            "campaign",
            "attempts",
            "connect_rate",
            "conversion_rate",
            "abandon_rate",
            "transfer_rate",
        ],
    ));
    for row in &board.campaigns {
        let campaign = escape(&text(row, "campaign_id").unwrap_or_default());
        html.push_str(&format!(
            "<tr data-campaign=\"{campaign}\"><td>{campaign}</td>"
        ));
        for column in columns {
            let value = number(row, column);
            if column == "attempts" {
                html.push_str(&format!(
                    "<td class=\"num\">{}</td>",
                    formatted(value, Unit::Count, lang)
                ));
            } else {
                // A bar as long as the rate (100 % = 120 px), then its value.
                let width = value.map_or(0.0, |v| (120.0 * v).clamp(0.0, 120.0));
                html.push_str(&format!(
                    "<td><span class=\"bar\" style=\"width:{width:.0}px\"></span>{}</td>",
                    formatted(value, Unit::Rate, lang)
                ));
            }
        }
        html.push_str("</tr>");
    }
    html.push_str(&format!(
        "</tbody></table><p class=\"source\">{}: kpi_overview</p></section>\n",
        t("source")
    ));
    html
}

/// How a table cell shows its value.
#[derive(Clone, Copy)]
enum Cell {
    /// The value as text.
    Text,
    /// A code translated by the labels (a compliance rule).
    Label,
    Count,
    Rate,
    Seconds,
}

const SCRIPT_COLUMNS: &[(&str, Cell)] = &[
    ("campaign_id", Cell::Text),
    ("script_id", Cell::Text),
    ("trials", Cell::Count),
    ("success_rate", Cell::Rate),
    ("rate_lower", Cell::Rate),
    ("rate_upper", Cell::Rate),
    ("p_best", Cell::Rate),
];
const RETIRE_COLUMNS: &[(&str, Cell)] = &[
    ("campaign_id", Cell::Text),
    ("script_id", Cell::Text),
    ("trials", Cell::Count),
    ("p_best", Cell::Rate),
    ("reason", Cell::Text),
];
const FUNNEL_COLUMNS: &[(&str, Cell)] = &[
    ("attempt_no", Cell::Count),
    ("attempts", Cell::Count),
    ("live_rate", Cell::Rate),
    ("effective_rate", Cell::Rate),
    ("success_rate", Cell::Rate),
    ("cumulative_success_share", Cell::Rate),
];
const INTENT_COLUMNS: &[(&str, Cell)] = &[
    ("intent", Cell::Text),
    ("calls", Cell::Count),
    ("share", Cell::Rate),
    ("success_rate", Cell::Rate),
];
const AGENT_COLUMNS: &[(&str, Cell)] = &[
    ("agent_id", Cell::Text),
    ("team", Cell::Text),
    ("calls", Cell::Count),
    ("aht_s", Cell::Seconds),
    ("conversion_rate", Cell::Rate),
    ("transfer_share", Cell::Rate),
    ("csat", Cell::Rate),
    ("complaint_rate", Cell::Rate),
];
const FINDING_COLUMNS: &[(&str, Cell)] = &[
    ("rule", Cell::Label),
    ("campaign_id", Cell::Text),
    ("findings", Cell::Count),
];

/// A table panel: its title's label, its canned query, its rows (or why there are none)
/// and its columns.
type TablePanel<'a> = (
    &'a str,
    &'a str,
    Result<&'a [Row], &'a str>,
    &'a [(&'a str, Cell)],
);

/// A panel's rows, or why its query could not run.
fn rows_of(rows: &Optional) -> Result<&[Row], &str> {
    match rows {
        Ok(rows) => Ok(rows),
        Err(reason) => Err(reason),
    }
}

/// A section with a heading and its source query under it.
fn panel(lang: Lang, title: &str, query: &str, body: &str) -> String {
    format!(
        "<section><h2>{}</h2>{body}<p class=\"source\">{}: {query}</p></section>\n",
        escape(lang.text(title)),
        escape(lang.text("source"))
    )
}

/// `rows` as a table of `columns`; a row with a `campaign_id` is filtered with the campaign.
/// A panel whose query could not run says why.
fn rows_table(lang: Lang, rows: Result<&[Row], &str>, columns: &[(&str, Cell)]) -> String {
    let rows = match rows {
        Ok(rows) => rows,
        Err(reason) => return unavailable(lang, reason),
    };
    if rows.is_empty() {
        return format!("<p>{}</p>", escape(lang.text("no_data")));
    }
    let keys: Vec<&str> = columns.iter().map(|(key, _)| *key).collect();
    let mut html = table_head(lang, &keys);
    for row in rows {
        match text(row, "campaign_id") {
            Some(campaign) => {
                html.push_str(&format!("<tr data-campaign=\"{}\">", escape(&campaign)))
            }
            None => html.push_str("<tr>"),
        }
        for (key, cell) in columns {
            let shown = match cell {
                Cell::Text => escape(&row.get(*key).map(plain).unwrap_or_default()),
                Cell::Label => escape(lang.text(&text(row, key).unwrap_or_default())),
                Cell::Count => formatted(number(row, key), Unit::Count, lang),
                Cell::Rate => formatted(number(row, key), Unit::Rate, lang),
                Cell::Seconds => formatted(number(row, key), Unit::Seconds, lang),
            };
            let class = if matches!(cell, Cell::Text | Cell::Label) {
                ""
            } else {
                " class=\"num\""
            };
            html.push_str(&format!("<td{class}>{shown}</td>"));
        }
        html.push_str("</tr>");
    }
    html.push_str("</tbody></table>");
    html
}

/// A JSON value as plain text (strings without quotes).
fn plain(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn unavailable(lang: Lang, reason: &str) -> String {
    format!(
        "<p class=\"unavailable\">{}: {}</p>",
        escape(lang.text("unavailable")),
        escape(reason)
    )
}

/// Connect rate (in percent) per weekday and local hour.
fn heatmap_chart(board: &Board, lang: Lang) -> String {
    let cells: Vec<(i64, i64, f64)> = board
        .heatmap
        .iter()
        .filter_map(|row| {
            let at = |column: &str| row.get(column).and_then(Value::as_i64);
            Some((at("weekday")?, at("hour")?, number(row, "connect_rate")?))
        })
        .collect();
    if cells.is_empty() {
        return format!("<p>{}</p>", escape(lang.text("no_data")));
    }
    let mut hours: Vec<i64> = cells.iter().map(|c| c.1).collect();
    hours.sort_unstable();
    hours.dedup();
    let days: Vec<String> = (1..=7)
        .map(|d| lang.text(&format!("weekday_{d}")).to_string())
        .collect();
    let data: Vec<(usize, f32)> = cells
        .iter()
        .filter_map(|(weekday, hour, rate)| {
            let column = hours.binary_search(hour).ok()?;
            let row = usize::try_from(weekday - 1).ok().filter(|r| *r < 7)?;
            Some((row * hours.len() + column, (100.0 * rate) as f32))
        })
        .collect();
    let labels = hours.iter().map(|h| format!("{h:02}")).collect();
    let mut chart = HeatmapChart::new(data, labels, days);
    chart.base.width = 900.0;
    chart.base.height = 300.0;
    chart.base.font_family = super::fonts::chart_family().to_string();
    match chart.svg() {
        Ok(svg) => format!("<div class=\"chart\" data-chart=\"heatmap\">{svg}</div>"),
        Err(error) => format!("<p>{}</p>", escape(&error.to_string())),
    }
}

/// Agents required per local hour.
fn staffing_chart(board: &Board, lang: Lang) -> String {
    let staffing = match &board.staffing {
        Ok(rows) => rows,
        Err(reason) => return unavailable(lang, reason),
    };
    if staffing.is_empty() {
        return format!("<p>{}</p>", escape(lang.text("no_data")));
    }
    let hours: Vec<String> = staffing
        .iter()
        .map(|row| row.get("hour").map(plain).unwrap_or_default())
        .collect();
    let agents: Vec<Option<f32>> = staffing
        .iter()
        .map(|row| number(row, "agents").map(|v| v as f32))
        .collect();
    let series = vec![Series::new_nullable(
        lang.text("agents").to_string(),
        agents,
    )];
    let mut chart = BarChart::new(series, hours);
    chart.base.width = 900.0;
    chart.base.height = 280.0;
    chart.base.font_family = super::fonts::chart_family().to_string();
    match chart.svg() {
        Ok(svg) => format!("<div class=\"chart\" data-chart=\"staffing\">{svg}</div>"),
        Err(error) => format!("<p>{}</p>", escape(&error.to_string())),
    }
}

/// A table's start: a header cell for each label key.
fn table_head(lang: Lang, keys: &[&str]) -> String {
    let cells: String = keys
        .iter()
        .map(|key| format!("<th>{}</th>", escape(lang.text(key))))
        .collect();
    format!("<table><thead><tr>{cells}</tr></thead><tbody>")
}

fn alerts(board: &Board, lang: Lang) -> String {
    let t = |key: &str| escape(lang.text(key));
    let mut html = format!(
        "<section><h2>{}</h2><h3>{}</h3>",
        t("alerts"),
        t("abandon_alerts")
    );
    if board.abandon_alerts.is_empty() {
        html.push_str(&format!("<p>{}</p>", t("no_alerts")));
    } else {
        html.push_str(&table_head(
            lang,
            &["campaign", "tsr_rate_30d", "ofcom_rate_24h"],
        ));
        for row in &board.abandon_alerts {
            let campaign = escape(&text(row, "campaign_id").unwrap_or_default());
            html.push_str(&format!(
                "<tr data-campaign=\"{campaign}\"><td>{campaign}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                formatted(number(row, "tsr_rate_30d"), Unit::Rate, lang),
                formatted(number(row, "ofcom_rate_24h"), Unit::Rate, lang),
            ));
        }
        html.push_str("</tbody></table>");
    }
    html.push_str(&format!(
        "<p class=\"source\">{}: abandon_compliance</p>",
        t("source")
    ));
    html.push_str(&format!("<h3>{}</h3>", t("number_alerts")));
    if board.number_alerts.is_empty() {
        html.push_str(&format!("<p>{}</p>", t("no_alerts")));
    } else {
        html.push_str(&table_head(
            lang,
            &["caller_number", "status", "blocked_share", "complaint_rate"],
        ));
        for row in &board.number_alerts {
            let status = text(row, "status").unwrap_or_default();
            html.push_str(&format!(
                "<tr><td>{}</td><td class=\"{}\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                escape(&text(row, "caller_number").unwrap_or_default()),
                if status == "blocked" { "bad" } else { "" },
                escape(lang.text(&status)),
                formatted(number(row, "blocked_share"), Unit::Rate, lang),
                formatted(number(row, "complaint_rate"), Unit::Rate, lang),
            ));
        }
        html.push_str("</tbody></table>");
    }
    html.push_str(&format!(
        "<p class=\"source\">{}: number_health</p></section>\n",
        t("source")
    ));
    html
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::{BoardOptions, Lang};
    use super::*;

    const HOSTILE: &str = "<img src=x onerror=alert(1)>";

    fn row(value: serde_json::Value) -> Row {
        value.as_object().unwrap().clone()
    }

    fn board(lang: Lang) -> Board {
        Board {
            options: BoardOptions {
                since: None,
                until: None,
                campaign: Some(format!("\"{HOSTILE}")),
                tz: "Asia/Shanghai".into(),
                lang,
                reload_after: None,
            },
            daily: vec![
                row(json!({"day": "2025-06-13", "attempts": 1000, "connect_rate": 0.79})),
                row(json!({"day": "2025-06-14", "attempts": 1200, "connect_rate": 0.82})),
            ],
            campaigns: vec![row(
                json!({"campaign_id": HOSTILE, "attempts": 12345, "connect_rate": 0.5}),
            )],
            drivers: vec![(
                "connect",
                vec![Driver {
                    dimension: "campaign",
                    segment: Some(HOSTILE.into()),
                    effect: -0.019,
                }],
            )],
            abandon_alerts: vec![row(json!({"campaign_id": HOSTILE, "tsr_rate_30d": 0.05}))],
            number_alerts: vec![row(json!({"caller_number": HOSTILE, "status": "blocked"}))],
            heatmap: Vec::new(),
            intents: Vec::new(),
            scripts: Ok(vec![row(
                json!({"campaign_id": HOSTILE, "script_id": HOSTILE, "p_best": 0.5}),
            )]),
            retire: Ok(Vec::new()),
            funnel: Ok(Vec::new()),
            agents: Err(format!("table {HOSTILE} not found")),
            staffing: Ok(Vec::new()),
            findings: Ok(Vec::new()),
        }
    }

    /// A campaign named like markup is text wherever it appears: table, filter, alerts,
    /// drivers, the header; no tag or attribute of the data reaches the page.
    #[test]
    fn values_from_the_data_are_escaped() {
        let page = render(&board(Lang::Zh));
        assert!(!page.contains("<img"), "{page}");
        assert!(!page.contains("\"<img"), "{page}");
        assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert_eq!(
            page.matches("&lt;img src=x onerror=alert(1)&gt;").count(),
            13,
            "9 places of the first panels, 3 in the script ranking, 1 in a query's error"
        );
        assert!(
            page.contains("&quot;&lt;img"),
            "the header's campaign keeps its quote as text"
        );
    }

    /// The tile shows the last day, +3.0 points against the day before, with the driver
    /// under it as points; the numbers are written as the locale writes them.
    #[test]
    fn tiles_show_changes_in_points_and_their_drivers() {
        let zh = render(&board(Lang::Zh));
        assert!(zh.contains("<div class=\"value\">82.0%</div>"), "{zh}");
        assert!(
            zh.contains("<span class=\"good\">↑3.0个百分点</span>"),
            "{zh}"
        );
        assert!(zh.contains("<span class=\"\">↑20.0%</span>"), "{zh}");
        assert!(zh.contains("−1.9</li>"), "{zh}");
        assert!(zh.contains("<td class=\"num\">12,345</td>"), "{zh}");
        let en = render(&board(Lang::En));
        assert!(en.contains("<span class=\"good\">↑3.0 pp</span>"), "{en}");
        assert!(en.contains("<html lang=\"en\">"));
        assert!(en.contains("Connect rate"));
    }

    /// Nothing on the page can make a request: no src, href or url(), and a policy that
    /// allows no source but the inline script's hash.
    #[test]
    fn the_page_requests_nothing() {
        let page = render(&board(Lang::En));
        // The page's own markup quotes every attribute; the data's text is escaped.
        for needle in [" src=\"", " href=\"", "url(", "@import"] {
            assert!(!page.contains(needle), "{needle} in the page");
        }
        let policy = content_security_policy();
        assert!(policy.starts_with("default-src 'none';"));
        assert!(page.contains(&policy));
        assert!(page.contains(&format!("<script>{FILTER_SCRIPT}</script>")));
    }
}
