//! Where data lives: a local directory or an `s3://bucket/prefix`, and the object store
//! that reaches it. Every reader and writer in callsql goes through this one place, so a
//! local run and a run against object storage take the same code path.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use datafusion::execution::object_store::{
    DefaultObjectStoreRegistry, ObjectStoreRegistry, ObjectStoreUrl,
};
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::{BackoffConfig, ClientOptions, ObjectStore, RetryConfig};
use url::Url;

pub use self::local_store::LocalStore;

mod local_store;

/// A data root given on the command line (`--data`, `--out`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// An absolute local directory.
    Local(PathBuf),
    /// A bucket and a key prefix without leading or trailing slashes (may be empty).
    S3 { bucket: String, prefix: String },
}

impl Location {
    /// Parses `s3://bucket/prefix` or a local path (made absolute, need not exist yet).
    pub fn parse(text: &str) -> Result<Self> {
        if let Some(rest) = text.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                bail!("invalid S3 location {text:?}: expected s3://bucket/prefix");
            }
            if !is_bucket_name(bucket) {
                bail!(
                    "invalid S3 bucket name {bucket:?} in {text:?}: a bucket name has up to 63 \
                     lower-case letters, digits, dots, hyphens or underscores"
                );
            }
            return Ok(Location::S3 {
                bucket: bucket.to_string(),
                prefix: prefix.trim_matches('/').to_string(),
            });
        }
        if text.contains("://") {
            bail!("unsupported location {text:?}: use a local path or s3://bucket/prefix");
        }
        let path = std::path::absolute(text).with_context(|| format!("invalid path {text:?}"))?;
        Ok(Location::Local(without_dot_dot(&path)))
    }

    /// The URL of the store root that DataFusion resolves object stores by.
    pub fn store_url(&self) -> Result<Url> {
        let url = match self {
            Location::Local(_) => "file:///".to_string(),
            Location::S3 { bucket, .. } => format!("s3://{bucket}"),
        };
        Url::parse(&url).with_context(|| format!("{self} is not a valid URL"))
    }

    /// The URL of a subdirectory, with a trailing slash so DataFusion treats it as a collection.
    pub fn child_url(&self, name: &str) -> String {
        match self {
            Location::Local(path) => format!("{}/", path.join(name).display()),
            Location::S3 { bucket, prefix } if prefix.is_empty() => {
                format!("s3://{bucket}/{name}/")
            }
            Location::S3 { bucket, prefix } => format!("s3://{bucket}/{prefix}/{name}/"),
        }
    }

    /// The object path of `relative` inside this location (of the location itself when
    /// `relative` is empty), for a store from [`Self::object_store`].
    pub fn object_path(&self, relative: &str) -> Result<ObjectPath> {
        let full = match self {
            Location::Local(path) if relative.is_empty() => path.display().to_string(),
            Location::Local(path) => path.join(relative).display().to_string(),
            Location::S3 { prefix, .. } if prefix.is_empty() => relative.to_string(),
            Location::S3 { prefix, .. } if relative.is_empty() => prefix.clone(),
            Location::S3 { prefix, .. } => format!("{prefix}/{relative}"),
        };
        ObjectPath::parse(full.trim_start_matches('/'))
            .with_context(|| format!("invalid object path {relative:?} under {self}"))
    }

    /// How a user names an object of this location's store: a local path or an S3 URL.
    pub fn display_object(&self, path: &ObjectPath) -> String {
        match self {
            Location::Local(_) => format!("/{path}"),
            Location::S3 { bucket, .. } => format!("s3://{bucket}/{path}"),
        }
    }

    /// The store for this location. S3 settings come from the standard `AWS_*` environment
    /// (endpoint, region, keys, allow-http); with a custom endpoint requests are path-style.
    pub fn object_store(&self) -> Result<Arc<dyn ObjectStore>> {
        match self {
            Location::Local(_) => Ok(Arc::new(LocalStore::new())),
            Location::S3 { bucket, .. } => {
                let store = AmazonS3Builder::from_env()
                    .with_bucket_name(bucket)
                    .with_virtual_hosted_style_request(false)
                    .with_client_options(
                        // A stalled server ends a request after 30 s (body included:
                        // ranged Parquet reads and 10 MB upload parts take far less), or
                        // what CALLSQL_S3_TIMEOUT says.
                        ClientOptions::new()
                            .with_connect_timeout(Duration::from_secs(5))
                            .with_timeout(request_timeout()?)
                            .with_allow_http(allow_http_from_env()),
                    )
                    // A batch job should fail within seconds when the endpoint is down,
                    // not after object_store's default three minutes of retries.
                    .with_retry(RetryConfig {
                        backoff: BackoffConfig::default(),
                        max_retries: 3,
                        retry_timeout: Duration::from_secs(20),
                    })
                    .build()
                    .with_context(|| format!("cannot configure S3 access to {self}"))?;
                Ok(Arc::new(store))
            }
        }
    }
}

/// `path` with `..` resolved lexically: object paths may not contain it.
fn without_dot_dot(path: &std::path::Path) -> PathBuf {
    let mut clean = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::ParentDir => {
                clean.pop();
            }
            other => clean.push(other),
        }
    }
    clean
}

/// S3's bucket naming rules (plus the underscore some S3-compatible servers allow), which
/// also make the name a valid URL host.
fn is_bucket_name(name: &str) -> bool {
    (1..=63).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// The time one S3 request may take: `CALLSQL_S3_TIMEOUT` in seconds (`10` or `10s`),
/// 30 s by default.
fn request_timeout() -> Result<Duration> {
    let Ok(text) = std::env::var("CALLSQL_S3_TIMEOUT") else {
        return Ok(Duration::from_secs(30));
    };
    let seconds: f64 = text
        .trim()
        .trim_end_matches('s')
        .parse()
        .ok()
        .filter(|s: &f64| s.is_finite() && *s > 0.0)
        .with_context(|| {
            format!("CALLSQL_S3_TIMEOUT must be seconds, such as 10 or 2.5s; got {text:?}")
        })?;
    Ok(Duration::from_secs_f64(seconds))
}

/// `AWS_ALLOW_HTTP` as object_store reads it, so the explicit client options above do not
/// override the environment.
fn allow_http_from_env() -> bool {
    std::env::var("AWS_ALLOW_HTTP")
        .map(|value| matches!(value.to_ascii_lowercase().as_str(), "true" | "1" | "yes"))
        .unwrap_or(false)
}

/// An object-store registry that resolves `s3://bucket` URLs on first use from the
/// environment, so SQL can name any bucket (`COPY … TO 's3://…'`) without set-up, and
/// reaches local files through [`LocalStore`].
#[derive(Debug)]
pub struct EnvObjectStoreRegistry {
    stores: DefaultObjectStoreRegistry,
}

impl Default for EnvObjectStoreRegistry {
    fn default() -> Self {
        let stores = DefaultObjectStoreRegistry::new();
        stores.register_store(
            ObjectStoreUrl::local_filesystem().as_ref(),
            Arc::new(LocalStore::new()),
        );
        Self { stores }
    }
}

impl ObjectStoreRegistry for EnvObjectStoreRegistry {
    fn register_store(
        &self,
        url: &Url,
        store: Arc<dyn ObjectStore>,
    ) -> Option<Arc<dyn ObjectStore>> {
        self.stores.register_store(url, store)
    }

    fn deregister_store(&self, url: &Url) -> datafusion::common::Result<Arc<dyn ObjectStore>> {
        self.stores.deregister_store(url)
    }

    fn get_store(&self, url: &Url) -> datafusion::common::Result<Arc<dyn ObjectStore>> {
        if let Ok(store) = self.stores.get_store(url) {
            return Ok(store);
        }
        match url.scheme() {
            "s3" => {
                let location =
                    Location::parse(&format!("s3://{}", url.host_str().unwrap_or_default()))
                        .map_err(|e| {
                            datafusion::error::DataFusionError::Configuration(format!("{e:#}"))
                        })?;
                let store = location.object_store().map_err(|e| {
                    datafusion::error::DataFusionError::Configuration(format!("{e:#}"))
                })?;
                let url = location.store_url().map_err(|e| {
                    datafusion::error::DataFusionError::Configuration(format!("{e:#}"))
                })?;
                self.stores.register_store(&url, Arc::clone(&store));
                Ok(store)
            }
            _ => self.stores.get_store(url),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Local(path) => write!(f, "{}", path.display()),
            Location::S3 { bucket, prefix } if prefix.is_empty() => write!(f, "s3://{bucket}"),
            Location::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_s3_locations() {
        assert_eq!(
            Location::parse("s3://bucket/a/b/").unwrap(),
            Location::S3 {
                bucket: "bucket".into(),
                prefix: "a/b".into()
            }
        );
        assert_eq!(
            Location::parse("s3://bucket").unwrap(),
            Location::S3 {
                bucket: "bucket".into(),
                prefix: String::new()
            }
        );
        assert!(Location::parse("s3:///x").is_err());
        for bad in [
            "s3://a:b/x",
            "s3://my bucket/x",
            "s3://Caps/x",
            "s3://-ab/x",
        ] {
            let error = Location::parse(bad).unwrap_err().to_string();
            assert!(error.contains("invalid S3 bucket name"), "{bad}: {error}");
        }
        let fine = Location::parse("s3://my-bucket.v2_x/p").unwrap();
        assert!(fine.store_url().is_ok());
        assert!(Location::parse("gs://bucket/x").is_err());
    }

    #[test]
    fn child_urls_end_in_a_slash() {
        let s3 = Location::parse("s3://b/p").unwrap();
        assert_eq!(s3.child_url("calls"), "s3://b/p/calls/");
        assert_eq!(
            Location::parse("/tmp/x/../data/./").unwrap(),
            Location::Local(PathBuf::from("/tmp/data"))
        );
        let local = Location::parse("/tmp/data").unwrap();
        assert_eq!(local.child_url("calls"), "/tmp/data/calls/");
        assert_eq!(
            local.object_path("calls/x.parquet").unwrap().as_ref(),
            "tmp/data/calls/x.parquet"
        );
    }
}
