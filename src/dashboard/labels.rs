//! Every label of the board in Chinese and English, and numbers written for the locale.

/// The page's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// The `lang` attribute of the page.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The label `key` names, in this language; the key itself when none is defined (a
    /// test checks every key used has both).
    pub fn text(self, key: &str) -> &str {
        LABELS
            .iter()
            .find(|(k, _, _)| *k == key)
            .map_or(key, |(_, zh, en)| match self {
                Lang::Zh => zh,
                Lang::En => en,
            })
    }

    /// A change in percentage points (rates) or points (scores), with an arrow for its
    /// direction: `↑3.1个百分点`, `↓3.1 pp`, `→0.0 pts`.
    pub fn points(self, change: f64, unit: &str) -> String {
        let size = format!("{}{:.1}", arrow(change), change.abs());
        match (self, unit) {
            (Lang::Zh, "pp") => format!("{size}个百分点"),
            (Lang::Zh, _) => format!("{size}分"),
            (Lang::En, "pp") => format!("{size} pp"),
            (Lang::En, _) => format!("{size} pts"),
        }
    }
}

/// ↑, ↓, or → for a change that rounds to zero at one decimal.
pub fn arrow(change: f64) -> &'static str {
    if change >= 0.05 {
        "↑"
    } else if change <= -0.05 {
        "↓"
    } else {
        "→"
    }
}

/// A whole number with thousands separators (both languages write `12,345`).
pub fn grouped(value: f64) -> String {
    let digits = format!("{:.0}", value.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if value < 0.0 && digits != "0" {
        out.insert(0, '−');
    }
    out
}

/// (key, 中文, English).
const LABELS: &[(&str, &str, &str)] = &[
    ("title", "外呼实时监控看板", "Outbound calling monitor"),
    ("attempts", "外呼量", "Attempts"),
    ("connect_rate", "接通率", "Connect rate"),
    ("conversion_rate", "转化率", "Conversion"),
    ("avg_talk_s", "平均通话时长", "Avg talk time"),
    ("aht_s", "平均处理时长", "AHT"),
    ("abandon_rate", "放弃率 (TSR)", "Abandon rate (TSR)"),
    ("transfer_rate", "转人工率", "Transfer to human"),
    ("intent_accuracy", "意图识别准确率", "Intent accuracy"),
    ("ban_rate", "封号率", "Ban rate"),
    ("complaint_rate", "投诉率", "Complaint rate"),
    ("csat", "满意度 (CSAT)", "CSAT"),
    ("nps", "净推荐值 (NPS)", "NPS"),
    ("vs_yesterday", "较昨日", "vs yesterday"),
    ("vs_week", "较7日均值", "vs 7-day mean"),
    ("last_day", "数据日期", "Day"),
    ("campaign", "活动", "Campaign"),
    ("campaign_id", "活动", "Campaign"),
    ("all_campaigns", "全部活动", "All campaigns"),
    ("caller_number", "外显号码", "Caller number"),
    ("hour", "时段", "Hour"),
    ("trend", "每日趋势", "Daily trend"),
    ("by_campaign", "各活动指标", "By campaign"),
    ("alerts", "告警", "Alerts"),
    (
        "abandon_alerts",
        "放弃率超过3%的活动",
        "Campaigns over the 3 % abandon limit",
    ),
    (
        "number_alerts",
        "被封或有风险的外显号码",
        "Caller numbers blocked or at risk",
    ),
    ("no_alerts", "无", "None"),
    ("source", "数据来源", "Source"),
    ("status", "状态", "Status"),
    ("blocked", "已封", "blocked"),
    ("at risk", "有风险", "at risk"),
    (
        "tsr_rate_30d",
        "30日放弃率 (TSR)",
        "30-day abandon rate (TSR)",
    ),
    (
        "ofcom_rate_24h",
        "当日放弃率 (Ofcom)",
        "Day's abandon rate (Ofcom)",
    ),
    ("blocked_share", "被拦截占比", "Blocked share"),
    ("no_data", "没有数据", "No data"),
    (
        "unavailable",
        "此数据无法计算",
        "Not available on this data",
    ),
    ("filter_hint", "按活动筛选", "Filter by campaign"),
    ("drivers", "变化来源", "Why it moved"),
    (
        "scripts_panel",
        "话术排名 (Wilson 区间与最优概率)",
        "Script ranking (Wilson interval, P(best))",
    ),
    ("retire_panel", "可淘汰的话术", "Scripts safe to retire"),
    (
        "heatmap_panel",
        "各时段接通率 (星期 × 小时, %)",
        "Connect rate by weekday and hour (%)",
    ),
    (
        "intents_panel",
        "热点问题 (接通通话的意图)",
        "Hot topics (intents of answered calls)",
    ),
    ("intent", "意图", "Intent"),
    ("share", "占比", "Share"),
    ("weekday_1", "周一", "Mon"),
    ("weekday_2", "周二", "Tue"),
    ("weekday_3", "周三", "Wed"),
    ("weekday_4", "周四", "Thu"),
    ("weekday_5", "周五", "Fri"),
    ("weekday_6", "周六", "Sat"),
    ("weekday_7", "周日", "Sun"),
    ("funnel_panel", "各拨打轮次漏斗", "Funnel by attempt"),
    ("agents_panel", "坐席", "Agents"),
    (
        "staffing_panel",
        "各时段所需坐席数",
        "Agents required per hour",
    ),
    (
        "findings_panel",
        "合规问题 (按规则)",
        "Compliance findings by rule",
    ),
    ("script_id", "话术", "Script"),
    ("trials", "接通数", "Answered"),
    ("success_rate", "成功率", "Success rate"),
    ("rate_lower", "区间下限", "Lower bound"),
    ("rate_upper", "区间上限", "Upper bound"),
    ("p_best", "最优概率", "P(best)"),
    ("reason", "原因", "Reason"),
    ("attempt_no", "第几次拨打", "Attempt"),
    ("live_rate", "接通率", "Live rate"),
    ("effective_rate", "有效通话率", "Effective rate"),
    (
        "cumulative_success_share",
        "累计成功占比",
        "Cumulative success share",
    ),
    ("agent_id", "坐席", "Agent"),
    ("agents", "所需坐席", "Agents required"),
    ("team", "组", "Team"),
    ("calls", "通话数", "Calls"),
    ("transfer_share", "转入占比", "Transfer share"),
    ("rule", "规则", "Rule"),
    ("findings", "问题数", "Findings"),
    (
        "outside_calling_window",
        "非允许时段外呼",
        "Outside calling hours",
    ),
    (
        "dnc_listed_number",
        "拨打免打扰名单号码",
        "DNC-listed number",
    ),
    (
        "after_dnc_request",
        "拉黑后再次拨打",
        "Called after a DNC request",
    ),
    (
        "abandon_rate_over_limit",
        "放弃率超限",
        "Abandon rate over the limit",
    ),
    ("sensitive_transcript", "敏感词", "Sensitive words"),
    (
        "invalid_number_dialled",
        "拨打无效号码",
        "Invalid number dialled",
    ),
    (
        "caller_number_blocked",
        "外显号码被封",
        "Caller number blocked",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_the_locale_writes_them() {
        assert_eq!(Lang::Zh.points(3.12, "pp"), "↑3.1个百分点");
        assert_eq!(Lang::En.points(-3.12, "pp"), "↓3.1 pp");
        assert_eq!(Lang::Zh.points(-2.0, "pts"), "↓2.0分");
        assert_eq!(Lang::En.points(0.04, "pp"), "→0.0 pp");
        assert_eq!(grouped(1_234_567.0), "1,234,567");
        assert_eq!(grouped(999.0), "999");
        assert_eq!(grouped(-1000.0), "−1,000");
        assert_eq!(grouped(0.0), "0");
    }

    #[test]
    fn every_label_has_both_languages() {
        for (key, zh, en) in LABELS {
            assert!(!zh.is_empty() && !en.is_empty(), "{key}");
            assert_eq!(Lang::En.text(key), *en);
        }
        let keys: std::collections::HashSet<_> = LABELS.iter().map(|l| l.0).collect();
        assert_eq!(keys.len(), LABELS.len(), "a key is defined twice");
    }
}
