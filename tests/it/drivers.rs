//! kpi_change_drivers: the shift-share parts add up to the change, the totals are the
//! catalogue's rates, and a planted ban is found as the driver of its campaign's drop.

use std::sync::Arc;

use callsql::canned;
use callsql::session::{self, Options};
use datafusion::arrow::array::{
    Array, ArrayRef, BooleanArray, Date32Array, Float64Array, RecordBatch, StringArray,
    TimestampMillisecondArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use datafusion::prelude::SessionContext;
use proptest::prelude::*;

const KPIS: [(&str, &str); 4] = [
    ("connect", "connect_rate(disposition)"),
    ("conversion", "conversion_rate(disposition, outcome)"),
    ("abandon", "abandon_rate(disposition, 'tsr')"),
    ("transfer", "transfer_rate(disposition, transferred)"),
];
const DISPOSITIONS: [&str; 6] = [
    "answered",
    "abandoned",
    "no_answer",
    "voicemail",
    "blocked",
    "busy",
];
/// 2025-06-01 and 2025-06-02 as days since the epoch.
const DAYS: [i32; 2] = [20240, 20241];

/// One call of a random data set: (period, segment, disposition, success, transferred).
type Call = (usize, u8, usize, bool, Option<bool>);

fn calls_table(calls: &[Call]) -> RecordBatch {
    let schema = Schema::new(vec![
        Field::new("dt", DataType::Date32, false),
        Field::new("campaign_id", DataType::Utf8, true),
        Field::new("caller_number", DataType::Utf8, true),
        Field::new("script_id", DataType::Utf8, true),
        Field::new("agent_id", DataType::Utf8, true),
        Field::new(
            "dialed_at",
            DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
            false,
        ),
        Field::new("disposition", DataType::Utf8, true),
        Field::new("outcome", DataType::Utf8, true),
        Field::new("transferred", DataType::Boolean, true),
        Field::new("talk_s", DataType::Float64, true),
    ]);
    // Every segment column holds the same values (the dimensions differ only in which
    // column they read); segment 0 is NULL, so a NULL segment takes part like any other.
    let segment: StringArray = calls
        .iter()
        .map(|c| (c.1 > 0).then(|| format!("s{}", c.1)))
        .collect();
    let segment: ArrayRef = Arc::new(segment);
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Date32Array::from_iter_values(
            calls.iter().map(|c| DAYS[c.0]),
        )),
        Arc::clone(&segment),
        Arc::clone(&segment),
        Arc::clone(&segment),
        Arc::clone(&segment),
        Arc::new(
            TimestampMillisecondArray::from_iter_values(
                calls.iter().map(|c| i64::from(DAYS[c.0]) * 86_400_000),
            )
            .with_timezone("UTC"),
        ),
        Arc::new(StringArray::from_iter_values(
            calls.iter().map(|c| DISPOSITIONS[c.2]),
        )),
        Arc::new(StringArray::from_iter_values(
            calls.iter().map(|c| if c.3 { "success" } else { "none" }),
        )),
        Arc::new(calls.iter().map(|c| c.4).collect::<BooleanArray>()),
        Arc::new(Float64Array::from_iter_values(calls.iter().map(|_| 30.0))),
    ];
    RecordBatch::try_new(Arc::new(schema), columns).unwrap()
}

/// For every KPI and dimension: Σ (mix + rate) = total change to 1e-12, both totals equal
/// the catalogue function over their day, and each segment's share is its part of the
/// denominator.
fn check_decomposition(calls: &[Call]) -> Result<(), TestCaseError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        // One session for every case on this thread (building one plans every canned
        // query): each case replaces its `calls`.
        thread_local! {
            static SESSION: std::cell::RefCell<Option<SessionContext>> =
                const { std::cell::RefCell::new(None) };
        }
        let ctx = match SESSION.with(|s| s.borrow().clone()) {
            Some(ctx) => ctx,
            None => {
                let ctx = session::build(&Options::default()).await.unwrap();
                SESSION.with(|s| *s.borrow_mut() = Some(ctx.clone()));
                ctx
            }
        };
        ctx.deregister_table("calls").unwrap();
        ctx.register_batch("calls", calls_table(calls)).unwrap();
        let query = canned::find("kpi_change_drivers").unwrap();
        for (kpi, function) in KPIS {
            let expected = |day: i32| {
                let ctx = ctx.clone();
                let sql =
                    format!("SELECT {function} FROM calls WHERE dt = arrow_cast({day}, 'Date32')");
                async move {
                    let batches = ctx.sql(&sql).await.unwrap().collect().await.unwrap();
                    first_value(&batches, 0)
                }
            };
            let (base, now) = (expected(DAYS[0]).await, expected(DAYS[1]).await);
            for dimension in ["campaign", "agent"] {
                let params = [
                    ("kpi".to_string(), kpi.to_string()),
                    ("dimension".to_string(), dimension.to_string()),
                    ("day".to_string(), "2025-06-02".to_string()),
                    ("base_day".to_string(), "2025-06-01".to_string()),
                ];
                let frame = query.dataframe(&ctx, &params).await.unwrap();
                ctx.register_table("drivers", frame.into_view()).unwrap();
                let sql = "SELECT sum(effect), min(total_change), min(base_total_rate), \
                           min(total_rate), count(*), sum(share), sum(base_share) FROM drivers";
                let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
                ctx.deregister_table("drivers").unwrap();
                let value = |i: usize| first_value(&batches, i);
                let what = format!("{kpi} by {dimension}");
                prop_assert_eq!(value(2), base, "{}: base total", what);
                prop_assert_eq!(value(3), now, "{}: total", what);
                if let (Some(base), Some(now)) = (base, now) {
                    let sum = value(0).unwrap();
                    prop_assert!(
                        (sum - (now - base)).abs() <= 1e-12,
                        "{}: {} against {}",
                        what,
                        sum,
                        now - base
                    );
                    prop_assert!(
                        (value(1).unwrap() - (now - base)).abs() <= 1e-15,
                        "{}",
                        what
                    );
                    prop_assert!((value(5).unwrap() - 1.0).abs() <= 1e-12, "{}", what);
                    prop_assert!((value(6).unwrap() - 1.0).abs() <= 1e-12, "{}", what);
                } else {
                    prop_assert_eq!(value(1), None, "{}: no change without a denominator", what);
                }
            }
        }
        Ok(())
    })
}

/// The first row's value of column `i`, as a float.
fn first_value(batches: &[RecordBatch], i: usize) -> Option<f64> {
    let column =
        datafusion::arrow::compute::cast(batches[0].column(i), &DataType::Float64).unwrap();
    let column = column.as_any().downcast_ref::<Float64Array>().unwrap();
    column.is_valid(0).then(|| column.value(0))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Random calls over two days and up to six segments (segment 0 NULL), so segments
    /// present in one period only, empty denominators and lopsided shares all occur.
    #[test]
    fn mix_and_rate_effects_add_up_to_the_change(
        calls in proptest::collection::vec(
            (0..2usize, 0..6u8, 0..DISPOSITIONS.len(), any::<bool>(), proptest::option::of(any::<bool>())),
            0..120,
        )
    ) {
        check_decomposition(&calls)?;
    }
}

/// One segment in the base day only and another in the explained day only: the first's
/// departure and the second's arrival are all mix, and they still add up.
#[test]
fn segments_in_one_period_only_add_up() {
    let calls: Vec<Call> = vec![
        (0, 1, 0, true, Some(true)),
        (0, 1, 2, false, None),
        (0, 2, 0, false, Some(false)),
        (1, 2, 2, false, None),
        (1, 3, 0, true, Some(true)),
        (1, 3, 1, false, None),
        (1, 3, 0, false, Some(false)),
    ];
    check_decomposition(&calls).unwrap();
}
