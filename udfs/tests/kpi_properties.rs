//! Invariants of the KPI aggregates, through the interface DataFusion drives them by:
//! splitting input into partial states and merging gives the single-pass answer; the
//! `GroupsAccumulator` agrees with one `Accumulator` per group; emitting groups in parts
//! agrees with emitting them all; FILTER and skipped partial aggregation
//! (`convert_to_state`) agree with their plain equivalents; every string encoding gives
//! the same answer; the duration quantiles are within their stated error of an exact sort.
//! "Agree" is bit for bit: callsql's aggregates sum exactly, so neither the order of rows
//! nor the split into partitions may change a result's last digit.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use callsql_udfs::service::QUANTILE_RELATIVE_ACCURACY;
use datafusion::arrow::array::{
    Array, ArrayRef, BooleanArray, Float64Array, RecordBatch, StringArray,
    TimestampMillisecondArray, new_null_array,
};
use datafusion::arrow::compute::{cast, filter as filter_array};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Schema};
use datafusion::common::ScalarValue;
use datafusion::logical_expr::function::AccumulatorArgs;
use datafusion::logical_expr::{Accumulator, AggregateUDF, EmitTo, GroupsAccumulator};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_expr::expressions::{Column, Literal};
use proptest::prelude::*;

const DISPOSITIONS: &[&str] = &[
    "answered",
    "abandoned",
    "no_answer",
    "busy",
    "rejected",
    "invalid_number",
    "blocked",
    "failed",
    "voicemail",
    "ANSWERED",
];
const GROUPS: usize = 5;

#[derive(Debug, Clone)]
struct Row {
    group: usize,
    disposition: Option<&'static str>,
    flag_a: Option<bool>,
    flag_b: Option<bool>,
    seconds: Option<f64>,
    hangup_by: Option<&'static str>,
    outcome: Option<&'static str>,
    key: Option<String>,
    score: Option<f64>,
    predicted: Option<&'static str>,
    labeled: Option<&'static str>,
    /// Session start (ms) and the response's offset from it (negative: bad data).
    started: Option<i64>,
    response_offset: Option<i64>,
    stage: Option<&'static str>,
}

fn row() -> impl Strategy<Value = Row> {
    let text = |values: &'static [&'static str]| {
        proptest::option::weighted(0.85, proptest::sample::select(values))
    };
    (
        0..GROUPS,
        text(DISPOSITIONS),
        proptest::option::weighted(0.9, any::<bool>()),
        proptest::option::weighted(0.9, any::<bool>()),
        proptest::option::weighted(0.9, (0u32..400).prop_map(|tenths| f64::from(tenths) / 10.0)),
        text(&["callee", "bot", "agent", "system"]),
        text(&["success", "callback", "refused", "none"]),
        proptest::option::weighted(
            0.9,
            // Short keys sit inline in a string view, long ones do not.
            (0u32..12).prop_map(|n| {
                if n % 2 == 0 {
                    format!("k{n}")
                } else {
                    format!("a-key-longer-than-twelve-{n}")
                }
            }),
        ),
        proptest::option::weighted(0.9, (-1i32..12).prop_map(f64::from)),
        (text(&["A", "B", "C"]), text(&["A", "B", "C"])),
        (
            proptest::option::weighted(0.9, 1_700_000_000_000i64..1_700_000_100_000),
            proptest::option::weighted(
                0.8,
                prop_oneof![-5_000i64..0, 0i64..60_000, 0i64..100_000_000],
            ),
            text(&["visit", "consult", "lead", "order", "Order", "bogus"]),
        ),
    )
        .prop_map(
            |(
                group,
                disposition,
                flag_a,
                flag_b,
                seconds,
                hangup_by,
                outcome,
                key,
                score,
                intents,
                session,
            )| Row {
                group,
                disposition,
                flag_a,
                flag_b,
                seconds,
                hangup_by,
                outcome,
                key,
                score,
                predicted: intents.0,
                labeled: intents.1,
                started: session.0,
                response_offset: session.1,
                stage: session.2,
            },
        )
}

/// The input columns, strings in the chosen encoding.
fn columns(rows: &[Row], encoding: &DataType) -> Vec<(&'static str, ArrayRef)> {
    let text = |values: Vec<Option<String>>| -> ArrayRef {
        let plain: ArrayRef = Arc::new(StringArray::from(values));
        cast(&plain, encoding).unwrap()
    };
    let owned = |f: fn(&Row) -> Option<&'static str>| {
        text(rows.iter().map(|r| f(r).map(str::to_string)).collect())
    };
    vec![
        ("disposition", owned(|r| r.disposition)),
        (
            "flag_a",
            Arc::new(rows.iter().map(|r| r.flag_a).collect::<BooleanArray>()),
        ),
        (
            "flag_b",
            Arc::new(rows.iter().map(|r| r.flag_b).collect::<BooleanArray>()),
        ),
        (
            "seconds",
            Arc::new(rows.iter().map(|r| r.seconds).collect::<Float64Array>()),
        ),
        ("hangup_by", owned(|r| r.hangup_by)),
        ("outcome", owned(|r| r.outcome)),
        ("key", text(rows.iter().map(|r| r.key.clone()).collect())),
        (
            "score",
            Arc::new(rows.iter().map(|r| r.score).collect::<Float64Array>()),
        ),
        ("predicted", owned(|r| r.predicted)),
        ("labeled", owned(|r| r.labeled)),
        (
            "started",
            Arc::new(
                TimestampMillisecondArray::from(rows.iter().map(|r| r.started).collect::<Vec<_>>())
                    .with_timezone("UTC"),
            ),
        ),
        (
            "responded",
            Arc::new(
                TimestampMillisecondArray::from(
                    rows.iter()
                        .map(|r| Some(r.started.unwrap_or(1_700_000_000_000) + r.response_offset?))
                        .collect::<Vec<_>>(),
                )
                .with_timezone("UTC"),
            ),
        ),
        ("stage", owned(|r| r.stage)),
    ]
}

/// One call of a KPI: the input columns it reads and its constant arguments.
struct Call {
    function: &'static str,
    columns: &'static [&'static str],
    constants: Vec<ScalarValue>,
}

fn calls() -> Vec<Call> {
    let call = |function, columns, constants| Call {
        function,
        columns,
        constants,
    };
    vec![
        call("connect_rate", &["disposition"], vec![]),
        call("reject_rate", &["disposition"], vec![]),
        call("effective_rate", &["disposition", "flag_a"], vec![]),
        call("transfer_rate", &["disposition", "flag_b"], vec![]),
        call("conversion_rate", &["disposition", "outcome"], vec![]),
        call(
            "callback_conversion_rate",
            &["flag_a", "disposition", "outcome"],
            vec![],
        ),
        call("intent_accuracy", &["predicted", "labeled"], vec![]),
        call(
            "early_hangup_rate",
            &["disposition", "hangup_by", "seconds"],
            vec![],
        ),
        call(
            "early_hangup_rate",
            &["disposition", "hangup_by", "seconds"],
            vec![ScalarValue::Float64(Some(5.0))],
        ),
        call("abandon_rate", &["disposition"], vec![]),
        call(
            "abandon_rate",
            &["disposition"],
            vec![ScalarValue::from("ofcom")],
        ),
        call("csat", &["score"], vec![]),
        call("nps", &["score"], vec![]),
        call("avg_talk_time", &["seconds", "disposition"], vec![]),
        call("aht", &["seconds", "seconds", "seconds"], vec![]),
        call("ban_rate", &["key", "disposition"], vec![]),
        call("repeat_rate", &["key"], vec![]),
        call("complaint_rate", &["disposition", "flag_a"], vec![]),
        call("dnc_request_rate", &["disposition", "flag_b"], vec![]),
        call("frt", &["started", "responded"], vec![]),
        call("ttr", &["started", "responded"], vec![]),
        call(
            "frt_quantile",
            &["started", "responded"],
            vec![ScalarValue::Float64(Some(0.5))],
        ),
        call(
            "ttr_quantile",
            &["started", "responded"],
            vec![ScalarValue::Float64(Some(0.9))],
        ),
        call(
            "answered_within_rate",
            &["started", "responded"],
            vec![ScalarValue::Float64(Some(20.0))],
        ),
        call("automation_rate", &["flag_a", "flag_b"], vec![]),
        call("intervention_rate", &["flag_a"], vec![]),
        call("resolution_rate", &["flag_b"], vec![]),
        call("fcr_rate", &["flag_a", "flag_b"], vec![]),
        call(
            "stage_rate",
            &["stage"],
            vec![ScalarValue::from("visit"), ScalarValue::from("lead")],
        ),
    ]
}

fn udaf(name: &str) -> Arc<AggregateUDF> {
    callsql_udfs::all_aggregate_functions()
        .into_iter()
        .find(|f| f.name() == name)
        .unwrap_or_else(|| panic!("no function {name}"))
}

/// Builds accumulators for one call over one batch layout.
struct Harness {
    udaf: Arc<AggregateUDF>,
    schema: Schema,
    exprs: Vec<Arc<dyn PhysicalExpr>>,
    fields: Vec<FieldRef>,
    return_field: FieldRef,
    constants: Vec<ScalarValue>,
}

impl Harness {
    fn new(call: &Call, batch: &RecordBatch) -> Self {
        let schema = batch.schema().as_ref().clone();
        let mut exprs: Vec<Arc<dyn PhysicalExpr>> = Vec::new();
        let mut fields: Vec<FieldRef> = Vec::new();
        for name in call.columns {
            let index = schema.index_of(name).unwrap();
            exprs.push(Arc::new(Column::new(name, index)));
            fields.push(Arc::new(schema.field(index).clone()));
        }
        for constant in &call.constants {
            exprs.push(Arc::new(Literal::new(constant.clone())));
            fields.push(Arc::new(Field::new("constant", constant.data_type(), true)));
        }
        Self {
            udaf: udaf(call.function),
            schema,
            exprs,
            fields,
            return_field: Arc::new(Field::new(call.function, DataType::Float64, true)),
            constants: call.constants.clone(),
        }
    }

    fn args(&self) -> AccumulatorArgs<'_> {
        AccumulatorArgs {
            return_field: Arc::clone(&self.return_field),
            schema: &self.schema,
            ignore_nulls: false,
            order_bys: &[],
            is_reversed: false,
            name: self.udaf.name(),
            is_distinct: false,
            exprs: &self.exprs,
            expr_fields: &self.fields,
        }
    }

    fn accumulator(&self) -> Box<dyn Accumulator> {
        self.udaf.accumulator(self.args()).unwrap()
    }

    fn groups_accumulator(&self) -> Box<dyn GroupsAccumulator> {
        assert!(self.udaf.groups_accumulator_supported(self.args()));
        self.udaf.create_groups_accumulator(self.args()).unwrap()
    }

    /// The argument arrays for `batch`, as DataFusion evaluates them.
    fn values(&self, call: &Call, batch: &RecordBatch) -> Vec<ArrayRef> {
        let mut values: Vec<ArrayRef> = call
            .columns
            .iter()
            .map(|name| Arc::clone(batch.column_by_name(name).unwrap()))
            .collect();
        for constant in &self.constants {
            values.push(constant.to_array_of_size(batch.num_rows()).unwrap());
        }
        values
    }
}

fn as_floats(array: &ArrayRef) -> Vec<Option<f64>> {
    array
        .as_any()
        .downcast_ref::<Float64Array>()
        .unwrap()
        .iter()
        .collect()
}

fn scalar_float(value: ScalarValue) -> Option<f64> {
    match value {
        ScalarValue::Float64(value) => value,
        other => panic!("expected Float64, got {other:?}"),
    }
}

fn assert_same(left: &[Option<f64>], right: &[Option<f64>], context: &str) {
    let bits = |values: &[Option<f64>]| -> Vec<Option<u64>> {
        values.iter().map(|v| v.map(f64::to_bits)).collect()
    };
    assert_eq!(bits(left), bits(right), "{context}: {left:?} vs {right:?}");
}

/// `batch`'s rows last to first.
fn reversed(batch: &RecordBatch) -> RecordBatch {
    let order =
        datafusion::arrow::array::UInt32Array::from_iter_values((0..batch.num_rows() as u32).rev());
    datafusion::arrow::compute::take_record_batch(batch, &order).unwrap()
}

fn slice(batch: &RecordBatch, bounds: &[usize]) -> Vec<RecordBatch> {
    bounds
        .windows(2)
        .map(|w| batch.slice(w[0], w[1] - w[0]))
        .collect()
}

/// Merges the `Accumulator` states of the chunks into one and evaluates it.
fn merged_accumulators(harness: &Harness, call: &Call, chunks: &[RecordBatch]) -> Option<f64> {
    let mut merged = harness.accumulator();
    for chunk in chunks {
        let mut partial = harness.accumulator();
        partial.update_batch(&harness.values(call, chunk)).unwrap();
        let state: Vec<ArrayRef> = partial
            .state()
            .unwrap()
            .into_iter()
            .map(|value| value.to_array().unwrap())
            .collect();
        merged.merge_batch(&state).unwrap();
    }
    scalar_float(merged.evaluate().unwrap())
}

fn check(rows: &[Row], encoding: &DataType, cut: usize, emit_first: usize, keep: &[bool]) {
    let columns = columns(rows, encoding);
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let groups: Vec<usize> = rows.iter().map(|r| r.group).collect();
    let cut = cut.min(rows.len());
    for call in calls() {
        let context = format!("{}{:?} over {encoding}", call.function, call.constants);
        let harness = Harness::new(&call, &batch);

        // Single pass without grouping, and the same input split in two and merged.
        let mut single = harness.accumulator();
        single.update_batch(&harness.values(&call, &batch)).unwrap();
        let single = scalar_float(single.evaluate().unwrap());
        let merged = merged_accumulators(&harness, &call, &slice(&batch, &[0, cut, rows.len()]));
        assert_same(
            &[single],
            &[merged],
            &format!("{context}: merged partial states"),
        );

        // The same rows in the opposite order, and the partial states merged the other way.
        let backwards = reversed(&batch);
        let mut single_reversed = harness.accumulator();
        single_reversed
            .update_batch(&harness.values(&call, &backwards))
            .unwrap();
        let merged_reversed = merged_accumulators(
            &harness,
            &call,
            &slice(&backwards, &[0, rows.len() - cut, rows.len()]),
        );
        assert_same(
            &[single, merged],
            &[
                scalar_float(single_reversed.evaluate().unwrap()),
                merged_reversed,
            ],
            &format!("{context}: rows reversed"),
        );

        // One Accumulator per group is the reference for the grouped paths.
        let per_group: Vec<Option<f64>> = (0..GROUPS)
            .map(|group| {
                let selected =
                    BooleanArray::from(groups.iter().map(|&g| g == group).collect::<Vec<_>>());
                let subset =
                    datafusion::arrow::compute::filter_record_batch(&batch, &selected).unwrap();
                let mut accumulator = harness.accumulator();
                accumulator
                    .update_batch(&harness.values(&call, &subset))
                    .unwrap();
                scalar_float(accumulator.evaluate().unwrap())
            })
            .collect();

        // GroupsAccumulator fed in two batches.
        let mut grouped = harness.groups_accumulator();
        for (chunk, indices) in [(0, cut), (cut, rows.len())]
            .into_iter()
            .map(|(a, b)| (batch.slice(a, b - a), &groups[a..b]))
        {
            grouped
                .update_batch(&harness.values(&call, &chunk), indices, None, GROUPS)
                .unwrap();
        }
        let mut state_source = harness.groups_accumulator();
        state_source
            .update_batch(&harness.values(&call, &batch), &groups, None, GROUPS)
            .unwrap();
        let all = as_floats(&grouped.evaluate(EmitTo::All).unwrap());
        assert_same(
            &all,
            &per_group,
            &format!("{context}: GroupsAccumulator vs Accumulator"),
        );

        // Emitting the first groups, then the rest.
        let first = emit_first.min(GROUPS);
        let mut in_parts = harness.groups_accumulator();
        in_parts
            .update_batch(&harness.values(&call, &batch), &groups, None, GROUPS)
            .unwrap();
        let mut parts = as_floats(&in_parts.evaluate(EmitTo::First(first)).unwrap());
        parts.extend(as_floats(&in_parts.evaluate(EmitTo::All).unwrap()));
        assert_same(&parts, &per_group, &format!("{context}: EmitTo::First"));

        // Grouped partial states merged by a final accumulator.
        let state = state_source.state(EmitTo::All).unwrap();
        let mut final_stage = harness.groups_accumulator();
        final_stage
            .merge_batch(&state, &(0..GROUPS).collect::<Vec<_>>(), GROUPS)
            .unwrap();
        assert_same(
            &as_floats(&final_stage.evaluate(EmitTo::All).unwrap()),
            &per_group,
            &format!("{context}: grouped merge"),
        );

        // Grouped partial states taken in two parts (EmitTo::First, then the rest).
        let mut split_source = harness.groups_accumulator();
        split_source
            .update_batch(&harness.values(&call, &batch), &groups, None, GROUPS)
            .unwrap();
        let head = split_source.state(EmitTo::First(first)).unwrap();
        let tail = split_source.state(EmitTo::All).unwrap();
        let mut final_stage = harness.groups_accumulator();
        final_stage
            .merge_batch(&head, &(0..first).collect::<Vec<_>>(), GROUPS)
            .unwrap();
        final_stage
            .merge_batch(&tail, &(first..GROUPS).collect::<Vec<_>>(), GROUPS)
            .unwrap();
        assert_same(
            &as_floats(&final_stage.evaluate(EmitTo::All).unwrap()),
            &per_group,
            &format!("{context}: state in parts"),
        );

        // Skipped partial aggregation: every row converted to a state, then merged.
        let converted = harness
            .groups_accumulator()
            .convert_to_state(&harness.values(&call, &batch), None)
            .unwrap();
        let mut from_rows = harness.groups_accumulator();
        from_rows.merge_batch(&converted, &groups, GROUPS).unwrap();
        assert_same(
            &as_floats(&from_rows.evaluate(EmitTo::All).unwrap()),
            &per_group,
            &format!("{context}: convert_to_state"),
        );

        // FILTER: rows not kept (or with a NULL filter) are ignored, on both grouped paths.
        let filter: BooleanArray = keep
            .iter()
            .cycle()
            .take(rows.len())
            .enumerate()
            .map(|(i, &k)| if i % 7 == 3 { None } else { Some(k) })
            .collect();
        let kept = datafusion::arrow::compute::filter_record_batch(&batch, &filter).unwrap();
        let kept_groups: Vec<usize> = filter_array(
            &datafusion::arrow::array::UInt64Array::from(
                groups.iter().map(|&g| g as u64).collect::<Vec<_>>(),
            ),
            &filter,
        )
        .unwrap()
        .as_any()
        .downcast_ref::<datafusion::arrow::array::UInt64Array>()
        .unwrap()
        .values()
        .iter()
        .map(|&g| g as usize)
        .collect();
        let mut plain = harness.groups_accumulator();
        plain
            .update_batch(&harness.values(&call, &kept), &kept_groups, None, GROUPS)
            .unwrap();
        let expected = as_floats(&plain.evaluate(EmitTo::All).unwrap());
        let mut filtered = harness.groups_accumulator();
        filtered
            .update_batch(
                &harness.values(&call, &batch),
                &groups,
                Some(&filter),
                GROUPS,
            )
            .unwrap();
        assert_same(
            &as_floats(&filtered.evaluate(EmitTo::All).unwrap()),
            &expected,
            &format!("{context}: FILTER"),
        );
        let converted = harness
            .groups_accumulator()
            .convert_to_state(&harness.values(&call, &batch), Some(&filter))
            .unwrap();
        let mut from_rows = harness.groups_accumulator();
        from_rows.merge_batch(&converted, &groups, GROUPS).unwrap();
        assert_same(
            &as_floats(&from_rows.evaluate(EmitTo::All).unwrap()),
            &expected,
            &format!("{context}: convert_to_state with FILTER"),
        );
    }
}

fn encoding() -> impl Strategy<Value = DataType> {
    proptest::sample::select(vec![
        DataType::Utf8,
        DataType::LargeUtf8,
        DataType::Utf8View,
        DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
        DataType::Dictionary(Box::new(DataType::UInt8), Box::new(DataType::Utf8View)),
    ])
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn partial_states_groups_and_filters_agree(
        rows in proptest::collection::vec(row(), 0..120),
        encoding in encoding(),
        cut in 0usize..120,
        emit_first in 0usize..GROUPS,
        keep in proptest::collection::vec(any::<bool>(), 1..9),
    ) {
        check(&rows, &encoding, cut, emit_first, &keep);
    }
}

/// An all-NULL column of the plain NULL type (what `NULL` literals coerce from) gives
/// NULL, never a panic.
#[test]
fn empty_and_all_null_input() {
    let rows: Vec<Row> = Vec::new();
    check(&rows, &DataType::Utf8, 0, 0, &[true]);
    let null: ArrayRef = new_null_array(&DataType::Utf8, 4);
    let mut accumulator = Harness::new(
        &calls()[0],
        &RecordBatch::try_from_iter([("disposition", Arc::clone(&null))]).unwrap(),
    )
    .accumulator();
    accumulator.update_batch(&[null]).unwrap();
    assert_eq!(accumulator.evaluate().unwrap(), ScalarValue::Float64(None));
}

/// `repeat_rate` over 600,000 distinct keys split across two partial states and two
/// groups: the merged answer is exact and `size()` accounts for the keys held.
#[test]
fn distinct_state_at_high_cardinality() {
    const KEYS: usize = 600_000;
    // Keys divisible by 3 appear in both halves (so twice); the rest once.
    let half = |offset: usize| -> Vec<String> {
        (0..KEYS)
            .filter(|k| k % 3 == 0 || k % 2 == offset)
            .map(|k| format!("customer-{k:07}"))
            .collect()
    };
    let call = Call {
        function: "repeat_rate",
        columns: &["key"],
        constants: vec![],
    };
    let batches: Vec<RecordBatch> = [half(0), half(1)]
        .into_iter()
        .map(|keys| {
            let array: ArrayRef = Arc::new(StringArray::from(keys));
            RecordBatch::try_from_iter([("key", array)]).unwrap()
        })
        .collect();
    let harness = Harness::new(&call, &batches[0]);
    let mut states = Vec::new();
    for batch in &batches {
        let mut partial = harness.groups_accumulator();
        let groups: Vec<usize> = (0..batch.num_rows()).map(|row| row % 2).collect();
        partial
            .update_batch(&harness.values(&call, batch), &groups, None, 2)
            .unwrap();
        let key_bytes = batch.num_rows() * "customer-0000000".len();
        assert!(
            partial.size() >= key_bytes,
            "size {} < key bytes {key_bytes}",
            partial.size()
        );
        states.push(partial.state(EmitTo::All).unwrap());
    }
    let mut merged = harness.groups_accumulator();
    for state in &states {
        merged.merge_batch(state, &[0, 1], 2).unwrap();
    }
    // Rows were spread over two groups by row parity, so a key seen in both halves may
    // land in different groups; count the exact expectation per group directly.
    let mut seen = vec![std::collections::HashMap::<String, u32>::new(); 2];
    for batch in &batches {
        let keys = batch
            .column(0)
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap();
        for row in 0..keys.len() {
            *seen[row % 2]
                .entry(keys.value(row).to_string())
                .or_default() += 1;
        }
    }
    let expected: Vec<Option<f64>> = seen
        .iter()
        .map(|counts| {
            let repeated = counts.values().filter(|&&n| n >= 2).count();
            Some(repeated as f64 / counts.len() as f64)
        })
        .collect();
    assert_same(
        &as_floats(&merged.evaluate(EmitTo::All).unwrap()),
        &expected,
        "repeat_rate at high cardinality",
    );
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// frt_quantile against the exact PERCENTILE_DISC of the sorted intervals (the ⌈q · n⌉-th),
    /// over durations from milliseconds to days, with ties and zeros.
    #[test]
    fn quantiles_are_within_their_stated_error_of_an_exact_sort(
        durations_ms in proptest::collection::vec(
            prop_oneof![Just(0i64), 1i64..1_000, 1_000i64..600_000, 600_000i64..400_000_000],
            1..400,
        ),
        q in 0.0f64..=1.0,
    ) {
        let start = 1_700_000_000_000i64;
        let started: ArrayRef = Arc::new(
            TimestampMillisecondArray::from(vec![start; durations_ms.len()]).with_timezone("UTC"),
        );
        let responded: ArrayRef = Arc::new(
            TimestampMillisecondArray::from(
                durations_ms.iter().map(|d| start + d).collect::<Vec<_>>(),
            )
            .with_timezone("UTC"),
        );
        let batch = RecordBatch::try_from_iter([("started", Arc::clone(&started)), ("responded", Arc::clone(&responded))]).unwrap();
        let call = Call {
            function: "frt_quantile",
            columns: &["started", "responded"],
            constants: vec![ScalarValue::Float64(Some(q))],
        };
        let harness = Harness::new(&call, &batch);
        let mut accumulator = harness.accumulator();
        accumulator.update_batch(&harness.values(&call, &batch)).unwrap();
        let estimate = scalar_float(accumulator.evaluate().unwrap()).unwrap();
        let mut sorted = durations_ms.clone();
        sorted.sort_unstable();
        // The first value whose cumulative share (i + 1) / n reaches q.
        let n = sorted.len() as f64;
        let rank = (0..sorted.len())
            .find(|&i| (i + 1) as f64 >= q * n - 1e-9)
            .unwrap_or(sorted.len() - 1);
        let exact = sorted[rank] as f64 / 1000.0;
        prop_assert!(
            (estimate - exact).abs() <= QUANTILE_RELATIVE_ACCURACY * exact + 1e-9,
            "q {} of {} intervals: {} vs exact {}", q, sorted.len(), estimate, exact
        );
    }
}
