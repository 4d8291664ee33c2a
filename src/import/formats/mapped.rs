//! Vendor exports described by a mapping file (`--from mapped --mapping FILE.toml`) into
//! `calls`: the export is read as text batches, the mapping applied to each batch, and
//! the kept rows handed on as calls.
//!
//! Reading and converting run on a thread of their own, a couple of batches ahead of the
//! thread that numbers, sorts into days and hands on the calls: each is about half the
//! work, and on two cores they overlap.

use std::io::BufRead;
use std::sync::mpsc;

use anyhow::{Result, anyhow, bail};

use crate::import::convert::{Converted, Converter};
use crate::import::export;
use crate::import::{Records, Source};

/// Converted batches the reading thread may be ahead by.
const AHEAD: usize = 2;

pub fn read(
    input: Box<dyn BufRead + Send>,
    source: &Source,
    records: &mut dyn Records,
) -> Result<()> {
    let (Some(mapping), Some(session)) = (source.mapping, source.expressions) else {
        bail!("--from mapped needs --mapping FILE.toml");
    };
    let (name, zone) = (source.name, source.zone.clone());
    let (sender, converted) = mpsc::sync_channel::<Converted>(AHEAD);
    std::thread::scope(|scope| {
        let reading = scope.spawn(move || -> Result<()> {
            let mut converter: Option<Converter> = None;
            export::read(input, mapping, name, &mut |text| {
                let converter = match converter.as_mut() {
                    Some(converter) => converter,
                    None => converter.insert(Converter::new(
                        mapping,
                        &zone,
                        name,
                        &text.batch.schema(),
                        session,
                    )?),
                };
                sender
                    .send(converter.convert(&text)?)
                    .map_err(|_| anyhow!("the import stopped"))
            })
        });
        // On the first error the receiver goes, and the reading thread stops at its next
        // batch; the error that stopped it is the one reported.
        let collected = converted
            .iter()
            .try_for_each(|batch| deliver(batch, records));
        drop(converted);
        let read = reading
            .join()
            .unwrap_or_else(|_| Err(anyhow!("reading {name} stopped unexpectedly")));
        collected.and(read)
    })
}

/// Hands one converted batch's rows, skips and rejects on to `records`.
fn deliver(converted: Converted, records: &mut dyn Records) -> Result<()> {
    for _ in 0..converted.read {
        records.read();
    }
    records.skipped(converted.skipped);
    for (line, reason, raw) in &converted.rejects {
        records.reject(*line, reason, raw)?;
    }
    records.calls(converted.batch)
}
