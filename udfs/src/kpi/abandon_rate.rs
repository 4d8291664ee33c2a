//! `abandon_rate(disposition [, regime])`: the share of live calls the dialer dropped
//! because no agent was free, as the US Telemarketing Sales Rule or UK Ofcom measure it.

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::disposition::{Disposition, Dispositions};
use crate::common::aggregate::counting::CountingKpi;
use crate::common::args::{ArgKind, Param};
use crate::common::constants::text_constant;

#[user_doc(
    doc_section(label = "Call KPIs"),
    description = "Abandoned-call rate (呼损率 / 放弃率) of a predictive dialer, in [0, 1], under one of two regulatory regimes.
regime 'tsr' (default; US Telemarketing Sales Rule, 16 CFR 310.4(b)(4)): abandoned / live, where live = `answered` + `abandoned`. The rule's safe harbour allows at most 3% per campaign per 30-day period. NULL when a group has no live calls.
regime 'ofcom' (UK Ofcom persistent-misuse policy, 2015 statement): with L = `answered`, AM = `voicemail` (answer machines), A = `abandoned`, the abandoned calls to live people are estimated as D = A − A·AM/(AM + L) (the fraction taken as 0 when AM + L = 0), and the rate is D / (D + L); at most 3% per campaign per 24 hours. NULL when D + L = 0.
Other dispositions and NULLs are ignored. regime is a constant, case-insensitive; anything else is a planning error. The canned query abandon_compliance applies both rules over calendar days, as they are applied in practice: TSR over the 30 days ending on each day, Ofcom over each day.",
    syntax_example = "abandon_rate(disposition [, regime])",
    sql_example = r#"```sql
> SELECT campaign_id, abandon_rate(disposition) AS tsr, abandon_rate(disposition, 'ofcom') AS ofcom
  FROM calls GROUP BY campaign_id HAVING abandon_rate(disposition) > 0.03;
```"#,
    argument(
        name = "disposition",
        description = "Call disposition; any string encoding."
    ),
    argument(name = "regime", description = "'tsr' (default) or 'ofcom'.")
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct AbandonRate;

const PARAMS: &[Param] = &[
    Param::column("disposition", ArgKind::Text),
    Param::optional_constant("regime", ArgKind::Text),
];

/// Whose definition of the abandoned-call rate applies.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) enum Regime {
    #[default]
    Tsr,
    Ofcom,
}

impl CountingKpi for AbandonRate {
    type Settings = Regime;

    fn name(&self) -> &'static str {
        "abandon_rate"
    }

    fn params(&self) -> &'static [Param] {
        PARAMS
    }

    fn counters(&self) -> &'static [&'static str] {
        &["abandoned", "voicemail", "answered"]
    }

    fn settings(&self, constants: &[Option<ScalarValue>]) -> Result<Regime> {
        let regime = text_constant(self.name(), "regime", constants[0].as_ref(), "tsr")?;
        match regime.to_ascii_lowercase().as_str() {
            "tsr" => Ok(Regime::Tsr),
            "ofcom" => Ok(Regime::Ofcom),
            _ => plan_err!(
                "abandon_rate: unknown regime '{regime}'; expected 'tsr' (US TSR, abandoned / live) or 'ofcom' (UK Ofcom, answer machines netted out)"
            ),
        }
    }

    fn masks(&self, _: &Regime, args: &[ArrayRef]) -> Result<Vec<BooleanBuffer>> {
        let dispositions = Dispositions::new(&args[0])?;
        Ok(vec![
            dispositions.only(Disposition::Abandoned),
            dispositions.only(Disposition::Voicemail),
            dispositions.only(Disposition::Answered),
        ])
    }

    fn finish(&self, regime: &Regime, counts: &[u64]) -> Option<f64> {
        let (abandoned, voicemail, answered) =
            (counts[0] as f64, counts[1] as f64, counts[2] as f64);
        match regime {
            Regime::Tsr => {
                let live = abandoned + answered;
                (live > 0.0).then(|| abandoned / live)
            }
            Regime::Ofcom => {
                let machine_share = if voicemail + answered > 0.0 {
                    voicemail / (voicemail + answered)
                } else {
                    0.0
                };
                let to_people = abandoned - abandoned * machine_share;
                (to_people + answered > 0.0).then(|| to_people / (to_people + answered))
            }
        }
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ofcom_nets_out_answer_machines() {
        // A = 4, AM = 10, L = 30: D = 4 − 4·10/40 = 3, rate = 3 / 33.
        let rate = AbandonRate.finish(&Regime::Ofcom, &[4, 10, 30]).unwrap();
        assert!((rate - 3.0 / 33.0).abs() < 1e-15);
        // TSR on the same counts: 4 / 34.
        let rate = AbandonRate.finish(&Regime::Tsr, &[4, 10, 30]).unwrap();
        assert!((rate - 4.0 / 34.0).abs() < 1e-15);
    }

    #[test]
    fn ofcom_edge_cases() {
        // No answer machines and no answers: the fraction is 0, so D = A and the rate is 1.
        assert_eq!(AbandonRate.finish(&Regime::Ofcom, &[2, 0, 0]), Some(1.0));
        // Only machines: D = A − A = 0 and L = 0, so the rate is undefined.
        assert_eq!(AbandonRate.finish(&Regime::Ofcom, &[2, 5, 0]), None);
        assert_eq!(AbandonRate.finish(&Regime::Tsr, &[0, 5, 0]), None);
    }
}
