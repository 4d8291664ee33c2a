//! The local file system as an object store, with one fault of object_store 0.13's
//! `LocalFileSystem` mended: when creating a staging file fails with "not found" even
//! though its directory exists (as in `/proc`), it creates the directory again and retries
//! forever. Writes here first check that the directory can hold a new file, so such a
//! write fails at once with the path and the system's reason.

use std::fmt;
use std::fs::OpenOptions;
use std::ops::Range;
use std::path::Path as FsPath;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, RenameOptions, Result,
};

/// [`LocalFileSystem`] whose writes fail cleanly where it would loop.
#[derive(Debug, Default)]
pub struct LocalStore {
    inner: LocalFileSystem,
}

impl LocalStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Fails unless a new file can be created beside `location`'s file.
    pub fn check_writable(&self, location: &Path) -> Result<()> {
        let path = self.inner.path_to_filesystem(location)?;
        let Some(directory) = path.parent() else {
            return Ok(());
        };
        let refuse = |source: std::io::Error| object_store::Error::Generic {
            store: "local file system",
            source: format!("cannot write {}: {source}", path.display()).into(),
        };
        std::fs::create_dir_all(directory).map_err(refuse)?;
        probe(directory, &path).map_err(refuse)
    }
}

/// Creates a file in `directory` and lets it go. On Linux the file has no name (O_TMPFILE),
/// so a process killed meanwhile leaves nothing behind; where the file system cannot make
/// unnamed files, a named probe beside `target` is created and removed.
fn probe(directory: &FsPath, target: &FsPath) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        match OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_TMPFILE)
            .open(directory)
        {
            Ok(_) => return Ok(()),
            Err(error)
                if !matches!(
                    error.raw_os_error(),
                    Some(libc::EOPNOTSUPP | libc::EISDIR | libc::EINVAL)
                ) =>
            {
                return Err(error);
            }
            Err(_) => {}
        }
    }
    static PROBES: AtomicU64 = AtomicU64::new(0);
    let probe = named_probe(target, PROBES.fetch_add(1, Ordering::Relaxed));
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// Named like object_store's staging files (`name#N`), which no reader takes for `target`.
fn named_probe(target: &FsPath, serial: u64) -> std::path::PathBuf {
    let mut name = target.as_os_str().to_owned();
    name.push(format!("#check-{}-{serial}", std::process::id()));
    name.into()
}

impl fmt::Display for LocalStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

#[async_trait]
impl ObjectStore for LocalStore {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> Result<PutResult> {
        self.check_writable(location)?;
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        self.check_writable(location)?;
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        self.inner.get_opts(location, options).await
    }

    async fn get_ranges(&self, location: &Path, ranges: &[Range<u64>]) -> Result<Vec<Bytes>> {
        self.inner.get_ranges(location, ranges).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        self.inner.list(prefix)
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, Result<ObjectMeta>> {
        self.inner.list_with_offset(prefix, offset)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        self.check_writable(to)?;
        self.inner.copy_opts(from, to, options).await
    }

    async fn rename_opts(&self, from: &Path, to: &Path, options: RenameOptions) -> Result<()> {
        self.check_writable(to)?;
        self.inner.rename_opts(from, to, options).await
    }
}

#[cfg(test)]
mod tests {
    use object_store::ObjectStoreExt;

    use super::*;

    /// Creating a file in /proc fails with "not found", where LocalFileSystem would loop.
    #[tokio::test]
    async fn a_directory_that_cannot_hold_files_fails_at_once() {
        if !FsPath::new("/proc/self").exists() {
            return;
        }
        let store = LocalStore::new();
        let error = store
            .put(&Path::from("proc/callsql-test.csv"), PutPayload::from("x"))
            .await
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("cannot write /proc/callsql-test.csv"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn writes_elsewhere_leave_no_probe_behind() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new();
        let target = Path::parse(dir.path().join("a/b.csv").to_str().unwrap()).unwrap();
        store.put(&target, PutPayload::from("x")).await.unwrap();
        let names: Vec<_> = std::fs::read_dir(dir.path().join("a"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, ["b.csv"]);
    }
}
