//! The inputs of an import: files, directories (every file under them) and `s3://` objects
//! or prefixes, read as byte streams with `.gz` and `.zst` decompressed on the way.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use indicatif::ProgressBar;
use object_store::ObjectStoreExt;
use object_store::path::Path as ObjectPath;
use tokio::runtime::Handle;
use twox_hash::XxHash3_128;

use crate::location::Location;

/// One input file.
#[derive(Debug, Clone)]
pub struct Input {
    /// As the user would write it: a local path or an `s3://` URL.
    pub name: String,
    source: Source,
}

#[derive(Debug, Clone)]
enum Source {
    Local(PathBuf),
    S3 {
        location: Location,
        path: ObjectPath,
    },
}

impl Input {
    /// What names this input's outputs, so importing it again replaces them: its file name
    /// (readable in listings) and a hash of its full name (unique).
    pub fn key(&self) -> String {
        let base = self
            .name
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                    c
                } else {
                    '_'
                }
            })
            .take(48)
            .collect::<String>();
        let hash = XxHash3_128::oneshot(self.name.as_bytes());
        format!("{base}-{:016x}", hash as u64)
    }

    /// The decompressed bytes; `progress` counts the bytes read from the file itself.
    pub fn open(
        &self,
        runtime: &Handle,
        progress: &ProgressBar,
    ) -> Result<Box<dyn BufRead + Send>> {
        let raw: Box<dyn Read + Send> = match &self.source {
            Source::Local(path) => Box::new(
                std::fs::File::open(path).with_context(|| format!("cannot open {}", self.name))?,
            ),
            Source::S3 { location, path } => {
                let store = location.object_store()?;
                let stream = runtime
                    .block_on(store.get(path))
                    .with_context(|| format!("cannot read {}", self.name))?
                    .into_stream();
                Box::new(StreamReader {
                    stream,
                    current: Bytes::new(),
                    runtime: runtime.clone(),
                    name: self.name.clone(),
                })
            }
        };
        let counted = Counted {
            inner: raw,
            progress: progress.clone(),
        };
        let buffered = BufReader::with_capacity(1 << 20, counted);
        Ok(if self.name.ends_with(".gz") {
            Box::new(BufReader::with_capacity(
                1 << 20,
                flate2::read::MultiGzDecoder::new(buffered),
            ))
        } else if self.name.ends_with(".zst") {
            Box::new(BufReader::with_capacity(
                1 << 20,
                zstd::stream::read::Decoder::with_buffer(buffered)
                    .with_context(|| format!("cannot read {} as zstd", self.name))?,
            ))
        } else {
            Box::new(buffered)
        })
    }
}

/// Every file the arguments name, in a stable order: directories and prefixes are walked
/// (hidden and `_`-prefixed entries skipped, as table listings skip them).
pub fn expand(arguments: &[String], runtime: &Handle) -> Result<Vec<Input>> {
    let mut inputs = Vec::new();
    for argument in arguments {
        let location = Location::parse(argument)?;
        let found = match &location {
            Location::Local(path) => local_files(path, argument)?,
            Location::S3 { .. } => runtime.block_on(s3_objects(&location, argument))?,
        };
        if found.is_empty() {
            bail!("{argument} holds no files to import");
        }
        inputs.extend(found);
    }
    let mut seen = std::collections::HashSet::new();
    inputs.retain(|input| seen.insert(input.name.clone()));
    Ok(inputs)
}

fn local_files(path: &Path, argument: &str) -> Result<Vec<Input>> {
    let metadata =
        std::fs::metadata(path).with_context(|| format!("cannot read input {argument}"))?;
    if !metadata.is_dir() {
        return Ok(vec![Input {
            name: path.display().to_string(),
            source: Source::Local(path.to_path_buf()),
        }]);
    }
    let mut files = Vec::new();
    let mut pending = vec![path.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("cannot list {}", dir.display()))?
        {
            let entry = entry.with_context(|| format!("cannot list {}", dir.display()))?;
            let name = entry.file_name();
            if is_hidden(&name.to_string_lossy()) {
                continue;
            }
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                pending.push(path);
            } else {
                files.push(Input {
                    name: path.display().to_string(),
                    source: Source::Local(path),
                });
            }
        }
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(files)
}

async fn s3_objects(location: &Location, argument: &str) -> Result<Vec<Input>> {
    let store = location.object_store()?;
    let path = location.object_path("")?;
    // An exact object, or else everything under the prefix.
    if !argument.ends_with('/') {
        match store.head(&path).await {
            Ok(_) => {
                return Ok(vec![Input {
                    name: argument.to_string(),
                    source: Source::S3 {
                        location: location.clone(),
                        path,
                    },
                }]);
            }
            Err(object_store::Error::NotFound { .. }) => {}
            Err(error) => return Err(error).with_context(|| format!("cannot read {argument}")),
        }
    }
    let objects: Vec<_> = store
        .list(Some(&path))
        .try_collect()
        .await
        .with_context(|| format!("cannot list {argument}"))?;
    let Location::S3 { bucket, .. } = location else {
        return Ok(Vec::new());
    };
    let mut inputs: Vec<Input> = objects
        .into_iter()
        .filter(|o| !o.location.parts().any(|p| is_hidden(p.as_ref())))
        .map(|o| Input {
            name: format!("s3://{bucket}/{}", o.location),
            source: Source::S3 {
                location: location.clone(),
                path: o.location,
            },
        })
        .collect();
    inputs.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(inputs)
}

fn is_hidden(name: &str) -> bool {
    name.starts_with('.') || name.starts_with('_')
}

/// Counts the bytes read, for the progress bar's MB/s.
struct Counted {
    inner: Box<dyn Read + Send>,
    progress: ProgressBar,
}

impl Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.inc(n as u64);
        Ok(n)
    }
}

/// An object's body as a blocking reader, pulled chunk by chunk on the runtime.
struct StreamReader {
    stream: BoxStream<'static, object_store::Result<Bytes>>,
    current: Bytes,
    runtime: Handle,
    name: String,
}

impl Read for StreamReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.runtime.block_on(self.stream.next()) {
                None => return Ok(0),
                Some(Ok(chunk)) => self.current = chunk,
                Some(Err(error)) => {
                    return Err(std::io::Error::other(format!(
                        "cannot read {}: {error}",
                        self.name
                    )));
                }
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current.split_to(n));
        Ok(n)
    }
}
