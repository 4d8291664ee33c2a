//! Vendor exports described by a mapping file (`--from mapped --mapping FILE.toml`) into
//! `calls`: the export is read as text batches, the mapping applied to each batch, and
//! the kept rows handed on as calls.

use std::io::BufRead;

use anyhow::{Result, bail};

use crate::import::call::calls_of;
use crate::import::convert::Converter;
use crate::import::export;
use crate::import::{Records, Source};

pub fn read(
    input: Box<dyn BufRead + Send>,
    source: &Source,
    records: &mut dyn Records,
) -> Result<()> {
    let (Some(mapping), Some(session)) = (source.mapping, source.expressions) else {
        bail!("--from mapped needs --mapping FILE.toml");
    };
    let mut converter: Option<Converter> = None;
    export::read(input, mapping, source.name, &mut |text| {
        let converter = match converter.as_mut() {
            Some(converter) => converter,
            None => converter.insert(Converter::new(
                mapping,
                source.zone,
                source.name,
                &text.batch.schema(),
                session,
            )?),
        };
        let converted = converter.convert(&text)?;
        for _ in 0..converted.read {
            records.read();
        }
        records.skipped(converted.skipped);
        for (line, reason, raw) in &converted.rejects {
            records.reject(*line, reason, raw)?;
        }
        for call in calls_of(&converted.batch)? {
            records.call(call)?;
        }
        Ok(())
    })
}
