//! The customer-lifetime fits through SQL: on the CDNOW sample both papers use, the
//! parameters and log-likelihood they publish; the scores against closed forms written out
//! here independently; on simulated BG/NBD customers, the planted parameters recovered;
//! and the same fit however the rows are split into partitions.
//!
//! The CDNOW summary ships in the `lifetimes` package on PyPI; `.ci/run` unpacks it and
//! sets `LIFETIMES_DATASETS` to its `lifetimes/datasets` folder.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, Float64Array, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Field, Float64Type, Int64Type, Schema};
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use rand::{Rng, SeedableRng};
use rand_distr::{Beta, Distribution, Gamma};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Columns of customers, as `(name, values)`.
type Columns = Vec<(&'static str, Vec<f64>)>;

/// A session with the catalogue and `customers` split into `partitions`.
async fn session(columns: &Columns, partitions: usize) -> SessionContext {
    let ctx = SessionContext::new();
    callsql_udfs::register_all(&mut *ctx.state_ref().write()).unwrap();
    let schema = Arc::new(Schema::new(
        columns
            .iter()
            .map(|(name, _)| Field::new(*name, DataType::Float64, true))
            .collect::<Vec<_>>(),
    ));
    let rows = columns[0].1.len();
    let chunk = rows.div_ceil(partitions).max(1);
    let batches = (0..rows)
        .step_by(chunk)
        .map(|start| {
            let end = (start + chunk).min(rows);
            let arrays = columns
                .iter()
                .map(|(_, values)| {
                    Arc::new(Float64Array::from(values[start..end].to_vec())) as Arc<dyn Array>
                })
                .collect();
            vec![RecordBatch::try_new(schema.clone(), arrays).unwrap()]
        })
        .collect();
    let table = MemTable::try_new(schema, batches).unwrap();
    ctx.register_table("customers", Arc::new(table)).unwrap();
    ctx
}

/// The fields of the one struct `sql` returns, by name.
async fn fitted(ctx: &SessionContext, sql: &str) -> Vec<(String, Option<f64>)> {
    let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
    let column = batches[0].column(0);
    let fit = column.as_struct();
    fit.fields()
        .iter()
        .zip(fit.columns())
        .map(|(field, values)| {
            let value = match values.data_type() {
                DataType::Float64 => {
                    let values = values.as_primitive::<Float64Type>();
                    (!values.is_null(0)).then(|| values.value(0))
                }
                DataType::Int64 => Some(values.as_primitive::<Int64Type>().value(0) as f64),
                DataType::Boolean => Some(f64::from(u8::from(values.as_boolean().value(0)))),
                other => panic!("unexpected field type {other}"),
            };
            (field.name().clone(), value)
        })
        .collect()
}

fn field(fit: &[(String, Option<f64>)], name: &str) -> f64 {
    fit.iter()
        .find(|(field, _)| field == name)
        .and_then(|(_, value)| *value)
        .unwrap_or_else(|| panic!("{name} missing in {fit:?}"))
}

/// CDNOW's x, t_x, T (weeks) and mean repeat-purchase value of its 2,357 customers.
fn cdnow() -> Columns {
    let folder = std::env::var("LIFETIMES_DATASETS").expect(
        "LIFETIMES_DATASETS names lifetimes/datasets of the lifetimes wheel (.ci/run sets it)",
    );
    let path = std::path::Path::new(&folder).join("cdnow_customers_summary_with_transactions.csv");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut columns: Columns = vec![
        ("x", vec![]),
        ("t_x", vec![]),
        ("age", vec![]),
        ("zbar", vec![]),
    ];
    for line in text.lines().skip(1).filter(|line| !line.trim().is_empty()) {
        let values: Vec<f64> = line
            .split(',')
            .skip(1)
            .map(|v| v.parse().unwrap())
            .collect();
        for ((_, column), value) in columns.iter_mut().zip(values) {
            column.push(value);
        }
    }
    columns
}

/// Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way", section 4: on the
/// CDNOW sample (2,357 customers, 39 calibration weeks) r = 0.243, α = 4.414, a = 0.793,
/// b = 2.426, LL = −9582.4. Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary
/// Value", section 4: on its 946 customers with repeat purchases p = 6.25, q = 3.74,
/// γ = 15.44.
#[tokio::test]
async fn cdnow_fits_match_the_papers() {
    let columns = cdnow();
    assert_eq!(columns[0].1.len(), 2357);
    let ctx = session(&columns, 3).await;
    let bgnbd = fitted(&ctx, "SELECT bgnbd_fit(x, t_x, age) FROM customers").await;
    for (name, published, tolerance) in [
        ("r", 0.243, 0.0005),
        ("alpha", 4.414, 0.0005),
        ("a", 0.793, 0.0005),
        ("b", 2.426, 0.0005),
        ("log_likelihood", -9582.4, 0.05),
        ("customers", 2357.0, 0.0),
        ("skipped", 0.0, 0.0),
        ("converged", 1.0, 0.0),
    ] {
        let value = field(&bgnbd, name);
        assert!(
            (value - published).abs() <= tolerance,
            "bgnbd_fit {name} = {value}, published {published}"
        );
    }
    let spend = fitted(&ctx, "SELECT gamma_gamma_fit(x, zbar) FROM customers").await;
    for (name, published, tolerance) in [
        ("p", 6.25, 0.005),
        ("q", 3.74, 0.005),
        ("v", 15.44, 0.01),
        ("customers", 946.0, 0.0),
        ("converged", 1.0, 0.0),
    ] {
        let value = field(&spend, name);
        assert!(
            (value - published).abs() <= tolerance,
            "gamma_gamma_fit {name} = {value}, published {published}"
        );
    }
}

/// P(alive), equation (13), written out directly.
fn p_alive(x: f64, t_x: f64, age: f64, [r, alpha, a, b]: [f64; 4]) -> f64 {
    if x == 0.0 {
        return 1.0;
    }
    1.0 / (1.0 + a / (b + x - 1.0) * ((alpha + age) / (alpha + t_x)).powf(r + x))
}

/// E[Y(t) | x, t_x, T], equation (10), with ₂F₁ summed term by term in plain arithmetic
/// (fine for the moderate values used here).
fn expected(t: f64, x: f64, t_x: f64, age: f64, params: [f64; 4]) -> f64 {
    let [r, alpha, a, b] = params;
    let z = t / (alpha + age + t);
    let (ha, hb, hc) = (r + x, b + x, a + b + x - 1.0);
    let (mut term, mut sum) = (1.0, 1.0);
    for j in 0..100_000 {
        let j = f64::from(j);
        term *= (ha + j) * (hb + j) / ((hc + j) * (j + 1.0)) * z;
        sum += term;
        if term < 1e-17 * sum {
            break;
        }
    }
    let bracket = 1.0 - ((alpha + age) / (alpha + age + t)).powf(r + x) * sum;
    (a + b + x - 1.0) / (a - 1.0) * bracket * p_alive(x, t_x, age, params)
}

#[tokio::test]
async fn scores_match_the_closed_forms() {
    let params = [0.243, 4.414, 0.793, 2.426];
    let customers: Columns = vec![
        ("x", vec![0.0, 1.0, 2.0, 7.0, 14.0]),
        ("t_x", vec![0.0, 1.71, 30.43, 29.43, 36.0]),
        ("age", vec![38.86, 38.86, 38.86, 38.86, 37.0]),
    ];
    let ctx = session(&customers, 1).await;
    let sql = "SELECT bgnbd_p_alive(x, t_x, age, 0.243, 4.414, 0.793, 2.426), \
               bgnbd_expected_purchases(52, x, t_x, age, 0.243, 4.414, 0.793, 2.426) \
               FROM customers";
    let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
    let p = batches[0].column(0).as_primitive::<Float64Type>();
    let e = batches[0].column(1).as_primitive::<Float64Type>();
    for i in 0..5 {
        let (x, t_x, age) = (customers[0].1[i], customers[1].1[i], customers[2].1[i]);
        let want_p = p_alive(x, t_x, age, params);
        let want_e = expected(52.0, x, t_x, age, params);
        assert!(
            (p.value(i) - want_p).abs() < 1e-12,
            "P(alive) {i}: {} vs {want_p}",
            p.value(i)
        );
        assert!(
            (e.value(i) - want_e).abs() < 1e-9 * want_e.max(1.0),
            "E[Y(52)] {i}: {} vs {want_e}",
            e.value(i)
        );
    }
}

/// Customers drawn from a BG/NBD process with `params`, observed for 26 to 78 weeks.
fn simulate(customers: usize, [r, alpha, a, b]: [f64; 4], seed: u64) -> Columns {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let rates = Gamma::new(r, 1.0 / alpha).unwrap();
    let dropouts = Beta::new(a, b).unwrap();
    let mut columns: Columns = vec![("x", vec![]), ("t_x", vec![]), ("age", vec![])];
    for _ in 0..customers {
        let age: f64 = rng.random_range(26.0..78.0);
        let rate: f64 = rates.sample(&mut rng);
        let dropout: f64 = dropouts.sample(&mut rng);
        let (mut now, mut x, mut last) = (0.0, 0.0, 0.0);
        loop {
            let wait: f64 = -(1.0 - rng.random::<f64>()).ln() / rate;
            now += wait;
            if now > age {
                break;
            }
            x += 1.0;
            last = now;
            if rng.random::<f64>() < dropout {
                break;
            }
        }
        for ((_, column), value) in columns.iter_mut().zip([x, last, age]) {
            column.push(value);
        }
    }
    columns
}

#[tokio::test]
async fn simulated_parameters_are_recovered_and_partitions_do_not_matter() {
    let truth = [0.5, 6.0, 0.7, 2.5];
    let customers = simulate(20_000, truth, 7);
    let sql = "SELECT bgnbd_fit(x, t_x, age) FROM customers";
    let whole = fitted(&session(&customers, 1).await, sql).await;
    let split = fitted(&session(&customers, 7).await, sql).await;
    assert_eq!(whole, split, "one partition and seven give the same fit");
    assert_eq!(field(&whole, "converged"), 1.0);
    for (name, planted, relative) in [
        ("r", truth[0], 0.15),
        ("alpha", truth[1], 0.2),
        ("a", truth[2], 0.35),
        ("b", truth[3], 0.5),
    ] {
        let value = field(&whole, name);
        assert!(
            (value / planted - 1.0).abs() < relative,
            "{name} = {value}, planted {planted}"
        );
    }
}

#[tokio::test]
async fn bad_rows_are_counted_and_nulls_ignored() {
    let customers: Columns = vec![
        ("x", vec![2.0, -1.0, 1.5, 3.0, 1.0, f64::NAN, 0.0]),
        ("t_x", vec![10.0, 1.0, 1.0, 30.0, 5.0, 1.0, 0.0]),
        ("age", vec![20.0, 20.0, 20.0, 20.0, 20.0, 20.0, 20.0]),
    ];
    let ctx = session(&customers, 2).await;
    let fit = fitted(
        &ctx,
        "SELECT bgnbd_fit(x, t_x, CASE WHEN x = 1 THEN NULL ELSE age END) FROM customers",
    )
    .await;
    // -1 and 1.5 are not frequencies, recency 30 > age 20, NaN: four skipped; x = 1 has a
    // NULL age and is ignored; two customers remain.
    assert_eq!(field(&fit, "skipped"), 4.0);
    assert_eq!(field(&fit, "customers"), 2.0);
    let none = fitted(
        &ctx,
        "SELECT bgnbd_fit(x, t_x, age) FROM customers WHERE x > 100",
    )
    .await;
    assert_eq!(field(&none, "customers"), 0.0);
    assert_eq!(field(&none, "converged"), 0.0);
    assert!(
        none.iter()
            .any(|(name, value)| name == "r" && value.is_none())
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 24, failure_persistence: None, ..Default::default() })]

    /// The fits merge partial states exactly: any split into partitions gives the single
    /// pass's result, bit for bit (the state is a set of distinct summaries, sorted
    /// before the search).
    #[test]
    fn merged_partial_states_equal_one_pass(
        seed in 0u64..1_000_000,
        partitions in 2usize..9,
        r in 0.2f64..2.0,
        alpha in 1.0f64..20.0,
        a in 0.3f64..2.0,
        b in 0.5f64..5.0,
    ) {
        let mut customers = simulate(400, [r, alpha, a, b], seed);
        // A spend column: one mean per customer, the same whatever the split.
        let spend = customers[0].1.iter().enumerate().map(|(i, x)| 10.0 + (i % 37) as f64 * x).collect();
        customers.push(("m", spend));
        let sql = "SELECT bgnbd_fit(x, t_x, age), gamma_gamma_fit(x, m) FROM customers";
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let (whole, split) = runtime.block_on(async {
            let whole = session(&customers, 1).await.sql(sql).await.unwrap().collect().await.unwrap();
            let split = session(&customers, partitions).await.sql(sql).await.unwrap().collect().await.unwrap();
            (whole, split)
        });
        proptest::prop_assert_eq!(whole, split);
    }
}
