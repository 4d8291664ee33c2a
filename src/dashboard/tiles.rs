//! The KPI tiles: each indicator's last day against the day before and against the mean
//! of the seven days before it, and whether the move is good or bad for that indicator
//! (a rising abandon rate is bad), from `kpi_daily`'s rows.

use serde_json::{Map, Value};

/// How an indicator's value reads and how its change is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A number of calls: changes are relative (%).
    Count,
    /// A fraction shown as a percentage: changes are in percentage points.
    Rate,
    /// Seconds: changes are relative (%).
    Seconds,
    /// A score on −100 … 100 (NPS): changes are in points.
    Score,
}

/// Which way is better for an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    Up,
    Down,
    /// Neither: a change is shown without colour (attempts, talk time).
    Neither,
}

/// What a change means for the indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Good,
    Bad,
    Neutral,
}

/// One tile: a `kpi_daily` column.
#[derive(Debug, Clone, Copy)]
pub struct Indicator {
    /// The `kpi_daily` column.
    pub column: &'static str,
    pub unit: Unit,
    pub better: Better,
    /// The `kpi_change_drivers` KPI that explains its moves, where there is one.
    pub drivers: Option<&'static str>,
}

/// The tiles, in the order the board shows them.
pub const INDICATORS: [Indicator; 12] = [
    indicator("attempts", Unit::Count, Better::Neither, None),
    indicator("connect_rate", Unit::Rate, Better::Up, Some("connect")),
    indicator(
        "conversion_rate",
        Unit::Rate,
        Better::Up,
        Some("conversion"),
    ),
    indicator("avg_talk_s", Unit::Seconds, Better::Neither, None),
    indicator("aht_s", Unit::Seconds, Better::Down, None),
    indicator("abandon_rate", Unit::Rate, Better::Down, Some("abandon")),
    indicator(
        "transfer_rate",
        Unit::Rate,
        Better::Neither,
        Some("transfer"),
    ),
    indicator("intent_accuracy", Unit::Rate, Better::Up, None),
    indicator("ban_rate", Unit::Rate, Better::Down, None),
    indicator("complaint_rate", Unit::Rate, Better::Down, None),
    indicator("csat", Unit::Rate, Better::Up, None),
    indicator("nps", Unit::Score, Better::Up, None),
];

const fn indicator(
    column: &'static str,
    unit: Unit,
    better: Better,
    drivers: Option<&'static str>,
) -> Indicator {
    Indicator {
        column,
        unit,
        better,
        drivers,
    }
}

/// Days averaged for the trailing mean.
pub const TRAILING_DAYS: usize = 7;

/// An indicator's numbers for the last day.
#[derive(Debug, Clone)]
pub struct Tile {
    pub indicator: Indicator,
    pub last: Option<f64>,
    pub previous: Option<f64>,
    /// Mean of the daily values of the (up to) seven days before the last day, NULL days
    /// left out.
    pub trailing_mean: Option<f64>,
}

impl Tile {
    /// The tile of `indicator` over `days`, `kpi_daily`'s rows in day order.
    pub fn from_days(indicator: Indicator, days: &[Map<String, Value>]) -> Tile {
        let value = |row: &Map<String, Value>| row.get(indicator.column).and_then(Value::as_f64);
        let Some((last, before)) = days.split_last() else {
            return Tile {
                indicator,
                last: None,
                previous: None,
                trailing_mean: None,
            };
        };
        let window = &before[before.len().saturating_sub(TRAILING_DAYS)..];
        let known: Vec<f64> = window.iter().filter_map(value).collect();
        Tile {
            indicator,
            last: value(last),
            previous: before.last().and_then(value),
            trailing_mean: (!known.is_empty())
                .then(|| known.iter().sum::<f64>() / known.len() as f64),
        }
    }

    /// The change of the last day against `reference`: percentage points for rates,
    /// points for scores, a relative change in percent for counts and seconds (NULL
    /// against zero).
    pub fn change(&self, reference: Option<f64>) -> Option<f64> {
        let (last, reference) = (self.last?, reference?);
        match self.indicator.unit {
            Unit::Rate => Some(100.0 * (last - reference)),
            Unit::Score => Some(last - reference),
            Unit::Count | Unit::Seconds => {
                (reference != 0.0).then(|| 100.0 * (last - reference) / reference)
            }
        }
    }

    /// Good, bad or neutral, for a change as [`Tile::change`] gives it; a change that
    /// rounds to zero at one decimal is neutral.
    pub fn tone(&self, change: Option<f64>) -> Tone {
        let Some(change) = change.filter(|c| c.abs() >= 0.05) else {
            return Tone::Neutral;
        };
        match (self.indicator.better, change > 0.0) {
            (Better::Up, true) | (Better::Down, false) => Tone::Good,
            (Better::Up, false) | (Better::Down, true) => Tone::Bad,
            (Better::Neither, _) => Tone::Neutral,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(values: &[Option<f64>]) -> Vec<Map<String, Value>> {
        values
            .iter()
            .map(|v| {
                let mut row = Map::new();
                row.insert("connect_rate".into(), v.map_or(Value::Null, Value::from));
                row.insert("abandon_rate".into(), v.map_or(Value::Null, Value::from));
                row.insert("attempts".into(), v.map_or(Value::Null, Value::from));
                row
            })
            .collect()
    }

    fn find(column: &str) -> Indicator {
        *INDICATORS.iter().find(|i| i.column == column).unwrap()
    }

    /// Nine days: the last is 0.82, the day before 0.79, the seven before the last
    /// 0.70 0.72 0.74 0.76 0.78 0.80 0.79 with mean 5.29 / 7 = 0.755714…; so +3.0 points
    /// against yesterday and +6.43 points against the week.
    #[test]
    fn rates_change_in_points_against_yesterday_and_the_week() {
        let rows = days(&[
            Some(0.10),
            Some(0.70),
            Some(0.72),
            Some(0.74),
            Some(0.76),
            Some(0.78),
            Some(0.80),
            Some(0.79),
            Some(0.82),
        ]);
        let tile = Tile::from_days(find("connect_rate"), &rows);
        assert_eq!(tile.last, Some(0.82));
        assert_eq!(tile.previous, Some(0.79));
        assert!((tile.trailing_mean.unwrap() - 5.29 / 7.0).abs() < 1e-12);
        assert!((tile.change(tile.previous).unwrap() - 3.0).abs() < 1e-9);
        assert!((tile.change(tile.trailing_mean).unwrap() - 6.428_571_428_571).abs() < 1e-9);
        assert_eq!(tile.tone(tile.change(tile.previous)), Tone::Good);
    }

    /// A rising abandon rate is bad; a falling one good; attempts have no colour.
    #[test]
    fn colour_follows_what_is_good_for_the_indicator() {
        let rising = Tile::from_days(find("abandon_rate"), &days(&[Some(0.02), Some(0.04)]));
        assert_eq!(rising.tone(rising.change(rising.previous)), Tone::Bad);
        let falling = Tile::from_days(find("abandon_rate"), &days(&[Some(0.04), Some(0.02)]));
        assert_eq!(falling.tone(falling.change(falling.previous)), Tone::Good);
        let attempts = Tile::from_days(find("attempts"), &days(&[Some(100.0), Some(150.0)]));
        assert_eq!(attempts.change(attempts.previous), Some(50.0));
        assert_eq!(attempts.tone(Some(50.0)), Tone::Neutral);
        // 0.04 points rounds to 0.0: no colour.
        assert_eq!(rising.tone(Some(0.04)), Tone::Neutral);
    }

    /// NULL days are left out of the mean; no day before gives no change; one day alone
    /// has no reference at all; no days give an empty tile.
    #[test]
    fn missing_values_give_no_change() {
        let tile = Tile::from_days(find("connect_rate"), &days(&[Some(0.5), None, Some(0.6)]));
        assert_eq!(tile.previous, None);
        assert_eq!(tile.change(tile.previous), None);
        assert_eq!(tile.trailing_mean, Some(0.5));
        let alone = Tile::from_days(find("connect_rate"), &days(&[Some(0.6)]));
        assert_eq!((alone.previous, alone.trailing_mean), (None, None));
        let empty = Tile::from_days(find("connect_rate"), &[]);
        assert_eq!(empty.last, None);
        let zero = Tile::from_days(find("attempts"), &days(&[Some(0.0), Some(5.0)]));
        assert_eq!(zero.change(zero.previous), None);
    }
}
