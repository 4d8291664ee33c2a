//! Where results go: stdout, or a file on local disk or S3 written atomically. A file
//! appears only when the whole result has been written: the bytes go to an object-store
//! upload (a staging file renamed into place on local disk, a multipart upload on S3) that
//! is completed at the end and aborted on any error or interrupt.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use bytes::Bytes;
use datafusion::execution::SendableRecordBatchStream;
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use object_store::buffered::BufWriter;
use object_store::{Attribute, Attributes};
use tokio::io::AsyncWriteExt;

use crate::format::{Encoder, OutputFormat, TableStyle};
use crate::location::Location;

/// Standard output's reader went away (`callsql … | head`): the end of the run, not an
/// error. Only a write to standard output makes it; a broken pipe anywhere else (a
/// connection to S3 cut mid-upload) is an error like any other.
#[derive(Debug)]
pub struct ReaderGone;

impl std::fmt::Display for ReaderGone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("standard output was closed by its reader")
    }
}

impl std::error::Error for ReaderGone {}

/// Whether `error` is standard output's reader going away rather than a failure.
pub fn is_reader_gone(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| cause.is::<ReaderGone>())
}

/// Writes `bytes` to standard output, flushed; a closed pipe becomes [`ReaderGone`].
pub fn to_stdout(stdout: &mut impl Write, bytes: &[u8]) -> Result<()> {
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Err(ReaderGone.into()),
        other => Ok(other?),
    }
}

/// The destination of one result.
pub enum Sink {
    Stdout(std::io::Stdout),
    /// A pager reading the rows on its standard input (`\pager` at the prompt).
    Pager(std::process::Child),
    File {
        /// `None` once the upload is completed or aborted: BufWriter panics on a second end.
        writer: Option<Box<BufWriter>>,
        location: Location,
    },
}

impl Sink {
    /// Standard output; refuses Parquet on a terminal.
    pub fn stdout(format: OutputFormat) -> Result<Self> {
        let stdout = std::io::stdout();
        if format == OutputFormat::Parquet && stdout.is_terminal() {
            bail!("parquet output is binary: write it with --out FILE or redirect stdout");
        }
        Ok(Sink::Stdout(stdout))
    }

    /// A pager started with `command` through the shell, so `less -S` and `$PAGER` with
    /// arguments work.
    pub fn pager(command: &str) -> Result<Self> {
        let child = std::process::Command::new("sh")
            .arg("-c")
            .arg(command)
            .stdin(std::process::Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start the pager `{command}`"))?;
        Ok(Sink::Pager(child))
    }

    /// A file at `url`: a local path or `s3://bucket/key`.
    pub fn file(url: &str) -> Result<Self> {
        Self::file_typed(url, None)
    }

    /// A file at `url` whose S3 object carries `content_type` (so a browser opens an HTML
    /// report rather than downloading it); local files have no such attribute.
    pub fn file_typed(url: &str, content_type: Option<&str>) -> Result<Self> {
        let location = Location::parse(url)?;
        let path = match &location {
            Location::Local(path) => {
                if path.is_dir() {
                    bail!("--out {url} is a directory; name a file");
                }
                location.object_path("")?
            }
            Location::S3 { prefix, .. } if prefix.is_empty() => {
                bail!("--out {url} names a bucket; add the object key (s3://bucket/key)")
            }
            Location::S3 { .. } => location.object_path("")?,
        };
        let mut writer = BufWriter::new(location.object_store()?, path);
        if let (Location::S3 { .. }, Some(content_type)) = (&location, content_type) {
            let mut attributes = Attributes::new();
            attributes.insert(Attribute::ContentType, content_type.to_string().into());
            writer = writer.with_attributes(attributes);
        }
        Ok(Sink::File {
            writer: Some(Box::new(writer)),
            location,
        })
    }

    async fn write(&mut self, bytes: Vec<u8>) -> Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        match self {
            Sink::Stdout(stdout) => to_stdout(&mut stdout.lock(), &bytes)?,
            Sink::Pager(child) => {
                // A pager quit early (`q` in less) has read all the reader wanted.
                if let Some(input) = child.stdin.as_mut()
                    && input.write_all(&bytes).is_err()
                {
                    child.stdin = None;
                }
            }
            Sink::File { writer, location } => writer
                .as_mut()
                .ok_or_else(|| anyhow!("{location} is already closed"))?
                .put(Bytes::from(bytes))
                .await
                .with_context(|| format!("cannot write {location}"))?,
        }
        Ok(())
    }

    async fn commit(&mut self) -> Result<()> {
        match self {
            Sink::Stdout(stdout) => to_stdout(&mut stdout.lock(), &[])?,
            Sink::Pager(child) => {
                drop(child.stdin.take());
                let waiting = tokio::task::block_in_place(|| child.wait());
                waiting.context("the pager failed")?;
            }
            Sink::File { writer, location } => {
                let mut writer = writer
                    .take()
                    .ok_or_else(|| anyhow!("{location} is already closed"))?;
                writer
                    .shutdown()
                    .await
                    .with_context(|| format!("cannot write {location}"))?;
            }
        }
        Ok(())
    }

    async fn abort(&mut self) {
        match self {
            Sink::File {
                writer: Some(writer),
                ..
            } => {
                // The upload was never completed, so nothing is visible whatever abort says.
                let _ = writer.abort().await;
            }
            Sink::Pager(child) => {
                drop(child.stdin.take());
                let _ = tokio::task::block_in_place(|| child.wait());
            }
            _ => {}
        }
    }

    /// `style` with the terminal's width when the rows go to a terminal.
    pub fn fit(&self, style: TableStyle) -> TableStyle {
        let width = match self {
            Sink::Stdout(stdout) if stdout.is_terminal() => console::Term::stdout()
                .size_checked()
                .map(|(_, columns)| usize::from(columns)),
            _ => None,
        };
        TableStyle { width, ..style }
    }

    /// Where the rows went, for messages.
    pub fn describe(&self) -> String {
        match self {
            Sink::Stdout(_) => "stdout".to_string(),
            Sink::Pager(_) => "the pager".to_string(),
            Sink::File { location, .. } => location.to_string(),
        }
    }
}

/// A spinner with the rows produced so far, on a terminal's stderr only, and only once the
/// work has taken a second: quick statements print nothing extra. Rows streaming to the
/// same terminal (CSV or JSON on stdout) get no spinner to tangle with.
pub fn progress(message: &str, format: OutputFormat, sink: &Sink) -> ProgressBar {
    let rows_on_terminal = matches!(sink, Sink::Stdout(stdout) if stdout.is_terminal())
        && format != OutputFormat::Table;
    if !std::io::stderr().is_terminal() || rows_on_terminal {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden())
        .with_message(message.to_string());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg}: {pos} rows, {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let shown = bar.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(1)).await;
        if !shown.is_finished() {
            shown.set_draw_target(ProgressDrawTarget::stderr());
            shown.enable_steady_tick(Duration::from_millis(120));
        }
    });
    bar
}

/// Writes `bytes` as the whole content of `sink` (a file appears whole or not at all).
pub async fn write_all(sink: &mut Sink, bytes: Vec<u8>) -> Result<()> {
    let written = async {
        sink.write(bytes).await?;
        sink.commit().await
    }
    .await;
    if let Err(error) = written {
        sink.abort().await;
        return Err(error.context(format!("nothing was written to {}", sink.describe())));
    }
    Ok(())
}

/// Streams `stream` into `sink` in `format`; returns the number of rows. On an error, or
/// when `interrupt` completes first, the sink is aborted, so a file sink leaves nothing
/// behind.
pub async fn write_results(
    mut stream: SendableRecordBatchStream,
    format: OutputFormat,
    sink: &mut Sink,
    style: TableStyle,
    progress: &ProgressBar,
    interrupt: impl Future<Output = ()>,
) -> Result<u64> {
    let mut encoder = Encoder::new(format, stream.schema(), style)?;
    let pumped = tokio::select! {
        pumped = pump(&mut stream, &mut encoder, sink, progress) => pumped,
        () = interrupt => Err(anyhow!("interrupted")),
    };
    progress.finish_and_clear();
    let rows = encoder.rows();
    let finished = match pumped {
        Ok(()) => {
            async {
                sink.write(encoder.finish()?).await?;
                sink.commit().await
            }
            .await
        }
        Err(error) => Err(error),
    };
    match finished {
        Ok(()) => Ok(rows),
        Err(error) => {
            sink.abort().await;
            if matches!(sink, Sink::File { .. }) {
                return Err(error.context(format!("nothing was written to {}", sink.describe())));
            }
            Err(error)
        }
    }
}

async fn pump(
    stream: &mut SendableRecordBatchStream,
    encoder: &mut Encoder,
    sink: &mut Sink,
    progress: &ProgressBar,
) -> Result<()> {
    while let Some(batch) = stream.next().await {
        let bytes = encoder.write(&batch?)?;
        sink.write(bytes).await?;
        progress.set_position(encoder.rows());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{RecordBatch, StringArray};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use datafusion::error::DataFusionError;
    use datafusion::physical_plan::stream::RecordBatchStreamAdapter;

    use super::*;

    /// A stream of `batches` that fails after them when `then_fail` is set.
    fn stream(batches: Vec<RecordBatch>, then_fail: bool) -> SendableRecordBatchStream {
        let schema = batches[0].schema();
        let mut items: Vec<datafusion::error::Result<RecordBatch>> =
            batches.into_iter().map(Ok).collect();
        if then_fail {
            items.push(Err(DataFusionError::Execution("disk on fire".into())));
        }
        Box::pin(RecordBatchStreamAdapter::new(
            schema,
            futures::stream::iter(items),
        ))
    }

    /// 200 000 rows of 64 characters: more than the 10 MB object_store buffers before it
    /// starts a multipart upload, so the failure below happens mid-upload.
    fn big_batch() -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![Field::new("s", DataType::Utf8, false)]));
        let text = "x".repeat(64);
        let values = StringArray::from(vec![text.as_str(); 200_000]);
        RecordBatch::try_new(schema, vec![Arc::new(values)]).unwrap()
    }

    /// Two big batches as CSV into a file at `target`, failing after them when `then_fail`.
    async fn write_csv(target: &str, then_fail: bool) -> Result<u64> {
        let mut sink = Sink::file(target).unwrap();
        write_results(
            stream(vec![big_batch(), big_batch()], then_fail),
            OutputFormat::Csv,
            &mut sink,
            TableStyle::default(),
            &ProgressBar::hidden(),
            std::future::pending(),
        )
        .await
    }

    #[tokio::test]
    async fn a_failure_mid_upload_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv").display().to_string();
        let error = write_csv(&target, true).await.unwrap_err();
        assert!(format!("{error:#}").contains("disk on fire"), "{error:#}");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(left.is_empty(), "{left:?}");

        let rows = write_csv(&target, false).await.unwrap();
        assert_eq!(rows, 400_000);
        let written = std::fs::read_to_string(&target).unwrap();
        assert_eq!(written.lines().count(), 1 + 400_000);
    }

    #[tokio::test]
    async fn an_interrupt_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.parquet").display().to_string();
        let mut sink = Sink::file(&target).unwrap();
        let pending_forever = Box::pin(RecordBatchStreamAdapter::new(
            big_batch().schema(),
            futures::stream::iter(vec![Ok(big_batch())]).chain(futures::stream::pending()),
        ));
        let error = write_results(
            pending_forever,
            OutputFormat::Parquet,
            &mut sink,
            TableStyle::default(),
            &ProgressBar::hidden(),
            tokio::time::sleep(Duration::from_millis(200)),
        )
        .await
        .unwrap_err();
        assert!(format!("{error:#}").contains("interrupted"), "{error:#}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    /// One big batch as a table into `sink`.
    async fn table_into(sink: &mut Sink) -> u64 {
        write_results(
            stream(vec![big_batch()], false),
            OutputFormat::Table,
            sink,
            TableStyle::default(),
            &ProgressBar::hidden(),
            std::future::pending(),
        )
        .await
        .unwrap()
    }

    /// A writer whose reader has gone.
    struct ClosedPipe;

    impl Write for ClosedPipe {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// A closed standard output ends the run quietly; a broken pipe from anywhere else
    /// (an S3 connection cut mid-upload) stays an error, so the run is not reported done.
    #[test]
    fn only_standard_output_closing_is_not_an_error() {
        let closed = to_stdout(&mut ClosedPipe, b"rows").unwrap_err();
        assert!(is_reader_gone(&closed.context("printing rows")));
        let upload = anyhow::Error::from(std::io::Error::from(std::io::ErrorKind::BrokenPipe))
            .context("cannot write s3://bucket/report.csv");
        assert!(!is_reader_gone(&upload));
    }

    /// The pager gets the whole table on its input; one that quits early is not an error.
    #[tokio::test(flavor = "multi_thread")]
    async fn tables_go_through_the_pager() {
        let dir = tempfile::tempdir().unwrap();
        let paged = dir.path().join("paged.txt");
        let mut sink = Sink::pager(&format!("cat > '{}'", paged.display())).unwrap();
        assert_eq!(table_into(&mut sink).await, 200_000);
        let text = std::fs::read_to_string(&paged).unwrap();
        assert!(
            text.ends_with("(200000 rows)\n"),
            "{}",
            &text[text.len() - 40..]
        );

        let mut quitter = Sink::pager("head -c 10 > /dev/null").unwrap();
        assert_eq!(table_into(&mut quitter).await, 200_000);
    }
}
