//! `callsql dashboard`: the monitoring board (实时监控看板) as one self-contained HTML page.
//! Every number on it comes from a canned query run with the board's parameters, so a
//! panel equals `callsql run NAME` with the same parameters; the page names the query
//! under each panel.

mod fonts;
mod labels;
pub mod live;
mod page;
pub mod tiles;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use datafusion::arrow::json::ArrayWriter;
use datafusion::prelude::SessionContext;
use serde_json::{Map, Value};

use crate::canned;
pub use labels::Lang;

/// One result row, by column name (NULL columns absent).
pub type Row = Map<String, Value>;

/// A panel that needs more than `calls` (scripts, agents, the DNC list…): its rows, or why
/// its query cannot run on this data (imported call logs often have `calls` alone).
pub type Optional = std::result::Result<Vec<Row>, String>;

/// What the board covers.
#[derive(Debug, Clone)]
pub struct BoardOptions {
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    pub campaign: Option<String>,
    /// Time zone of the local hours (drivers by hour).
    pub tz: String,
    pub lang: Lang,
    /// A page served live asks the browser to reload it after this long.
    pub reload_after: Option<std::time::Duration>,
}

/// The dimensions a rate tile's move is explained by, in the order ties are broken.
const DRIVER_DIMENSIONS: [&str; 3] = ["campaign", "caller_number", "hour"];
/// Drivers shown under a rate tile.
const TOP_DRIVERS: usize = 3;

/// One segment's part in a rate's change, from `kpi_change_drivers`.
#[derive(Debug, Clone, PartialEq)]
pub struct Driver {
    pub dimension: &'static str,
    pub segment: Option<String>,
    /// Mix plus rate effect, a fraction (−0.019 is −1.9 points).
    pub effect: f64,
}

/// The numbers of the page, each panel's rows as its canned query returned them.
#[derive(Debug, Clone)]
pub struct Board {
    pub options: BoardOptions,
    /// `kpi_daily`.
    pub daily: Vec<Row>,
    /// `kpi_overview` (one row per campaign).
    pub campaigns: Vec<Row>,
    /// The top drivers of each rate tile's change from the day before to the last day,
    /// by `kpi_change_drivers` KPI.
    pub drivers: Vec<(&'static str, Vec<Driver>)>,
    /// `abandon_compliance` rows of the last day over either limit.
    pub abandon_alerts: Vec<Row>,
    /// `number_health` rows that are not `ok`.
    pub number_alerts: Vec<Row>,
    /// `connect_heatmap`.
    pub heatmap: Vec<Row>,
    /// `top_intents`.
    pub intents: Vec<Row>,
    /// `script_ranking`.
    pub scripts: Optional,
    /// `script_elimination` rows marked to retire.
    pub retire: Optional,
    /// `funnel_by_attempt`.
    pub funnel: Optional,
    /// `agent_performance`, most calls first, at most [`TOP_AGENTS`].
    pub agents: Optional,
    /// `staffing_plan`.
    pub staffing: Optional,
    /// `compliance_audit`'s findings counted per rule and campaign.
    pub findings: Optional,
}

/// Agents listed on the board.
pub const TOP_AGENTS: usize = 20;

impl Board {
    /// Runs the board's canned queries on `ctx`.
    pub async fn collect(ctx: &SessionContext, options: &BoardOptions) -> Result<Board> {
        let day = |d: Option<NaiveDate>| d.map(|d| d.to_string());
        let campaign = options.campaign.clone();
        let range = [("since", day(options.since)), ("until", day(options.until))];
        let mut daily_params = vec![("campaign", campaign.clone())];
        daily_params.extend(range.clone());
        let daily = rows(ctx, "kpi_daily", &daily_params).await?;
        let campaigns = rows(ctx, "kpi_overview", &range).await?;
        let last_day = daily
            .last()
            .and_then(|row| row.get("day"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let mut drivers = Vec::new();
        if let Some(last_day) = &last_day {
            for indicator in tiles::INDICATORS {
                let Some(kpi) = indicator.drivers else {
                    continue;
                };
                let mut found = Vec::new();
                for dimension in DRIVER_DIMENSIONS {
                    let params = [
                        ("kpi", Some(kpi.to_string())),
                        ("dimension", Some(dimension.to_string())),
                        ("day", Some(last_day.clone())),
                        ("campaign", campaign.clone()),
                        ("tz", Some(options.tz.clone())),
                    ];
                    for row in rows(ctx, "kpi_change_drivers", &params).await? {
                        let Some(effect) = row.get("effect").and_then(Value::as_f64) else {
                            continue;
                        };
                        found.push(Driver {
                            dimension,
                            segment: row
                                .get("segment")
                                .and_then(Value::as_str)
                                .map(str::to_string),
                            effect,
                        });
                    }
                }
                found.sort_by(|a, b| b.effect.abs().total_cmp(&a.effect.abs()));
                found.truncate(TOP_DRIVERS);
                drivers.push((kpi, found));
            }
        }
        let abandon_alerts = rows(ctx, "abandon_compliance", &[])
            .await?
            .into_iter()
            .filter(|row| {
                row.get("dt").and_then(Value::as_str) == last_day.as_deref()
                    && ["tsr_over_limit", "ofcom_over_limit"]
                        .iter()
                        .any(|flag| row.get(*flag) == Some(&Value::Bool(true)))
            })
            .filter(|row| in_campaign(row, "campaign_id", options))
            .collect();
        let number_alerts = rows(ctx, "number_health", &range)
            .await?
            .into_iter()
            .filter(|row| row.get("status").and_then(Value::as_str) != Some("ok"))
            .collect();
        let mut local_params = vec![("tz", Some(options.tz.clone()))];
        local_params.extend(range.clone());
        let mut heatmap_params = local_params.clone();
        heatmap_params.push(("campaign", campaign.clone()));
        let heatmap = rows(ctx, "connect_heatmap", &heatmap_params).await?;
        let intents = rows(ctx, "top_intents", &daily_params).await?;
        let scripts = optional(rows(ctx, "script_ranking", &range).await);
        let retire = optional(
            rows(ctx, "script_elimination", &[("since", day(options.since))]).await,
        )
        .map(|rows| {
            rows.into_iter()
                .filter(|row| row.get("eliminate") == Some(&Value::Bool(true)))
                .collect()
        });
        let funnel = optional(rows(ctx, "funnel_by_attempt", &daily_params).await);
        let agents = optional(rows(ctx, "agent_performance", &range).await).map(|mut agents| {
            agents.sort_by_key(|row| std::cmp::Reverse(row.get("calls").and_then(Value::as_i64)));
            agents.truncate(TOP_AGENTS);
            agents
        });
        let staffing = optional(rows(ctx, "staffing_plan", &local_params).await);
        let findings =
            optional(rows(ctx, "compliance_audit", &local_params).await).map(count_findings);
        Ok(Board {
            options: options.clone(),
            daily,
            campaigns,
            drivers,
            abandon_alerts,
            number_alerts,
            heatmap,
            intents,
            scripts,
            retire,
            funnel,
            agents,
            staffing,
            findings,
        })
    }

    /// The page.
    pub fn render(&self) -> String {
        page::render(self)
    }
}

/// The rows, or the first line of why the query failed.
fn optional(rows: Result<Vec<Row>>) -> Optional {
    rows.map_err(|error| {
        format!("{error:#}")
            .lines()
            .next()
            .unwrap_or_default()
            .to_string()
    })
}

/// One row per (rule, campaign) with its number of findings, in rule order.
fn count_findings(findings: Vec<Row>) -> Vec<Row> {
    let mut counts: std::collections::BTreeMap<(String, String), u64> = Default::default();
    for row in findings {
        let key = |column: &str| {
            row.get(column)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        *counts.entry((key("rule"), key("campaign_id"))).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|((rule, campaign), findings)| {
            let mut row = Row::new();
            row.insert("rule".into(), rule.into());
            row.insert("campaign_id".into(), campaign.into());
            row.insert("findings".into(), findings.into());
            row
        })
        .collect()
}

fn in_campaign(row: &Row, column: &str, options: &BoardOptions) -> bool {
    options
        .campaign
        .as_deref()
        .is_none_or(|campaign| row.get(column).and_then(Value::as_str) == Some(campaign))
}

/// The rows of canned query `name` with `params` (absent ones take their defaults).
pub async fn rows(
    ctx: &SessionContext,
    name: &str,
    params: &[(&str, Option<String>)],
) -> Result<Vec<Row>> {
    let query = canned::find(name)?;
    let given: Vec<(String, String)> = params
        .iter()
        .filter_map(|(key, value)| Some((key.to_string(), value.clone()?)))
        .collect();
    let batches = query
        .dataframe(ctx, &given)
        .await?
        .collect()
        .await
        .with_context(|| format!("query {name}"))?;
    let mut writer = ArrayWriter::new(Vec::new());
    for batch in &batches {
        writer.write(batch)?;
    }
    writer.finish()?;
    let bytes = writer.into_inner();
    if bytes.is_empty() {
        return Ok(Vec::new());
    }
    Ok(serde_json::from_slice(&bytes)?)
}
