//! Where data lives: a local directory or an `s3://bucket/prefix`, and the object store
//! that reaches it. Every reader and writer in callsql goes through this one place, so a
//! local run and a run against object storage take the same code path.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use datafusion::execution::object_store::{DefaultObjectStoreRegistry, ObjectStoreRegistry};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{BackoffConfig, ClientOptions, ObjectStore, RetryConfig};
use url::Url;

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
            return Ok(Location::S3 {
                bucket: bucket.to_string(),
                prefix: prefix.trim_matches('/').to_string(),
            });
        }
        if text.contains("://") {
            bail!("unsupported location {text:?}: use a local path or s3://bucket/prefix");
        }
        let path = std::path::absolute(text).with_context(|| format!("invalid path {text:?}"))?;
        Ok(Location::Local(path))
    }

    /// The URL of the store root that DataFusion resolves object stores by.
    pub fn store_url(&self) -> Url {
        match self {
            Location::Local(_) => Url::parse("file:///").expect("static URL"),
            Location::S3 { bucket, .. } => {
                Url::parse(&format!("s3://{bucket}")).expect("bucket names are URL hosts")
            }
        }
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

    /// The store for this location. S3 settings come from the standard `AWS_*` environment
    /// (endpoint, region, keys, allow-http); with a custom endpoint requests are path-style.
    pub fn object_store(&self) -> Result<Arc<dyn ObjectStore>> {
        match self {
            Location::Local(_) => Ok(Arc::new(LocalFileSystem::new())),
            Location::S3 { bucket, .. } => {
                let store = AmazonS3Builder::from_env()
                    .with_bucket_name(bucket)
                    .with_virtual_hosted_style_request(false)
                    .with_client_options(
                        ClientOptions::new()
                            .with_connect_timeout(Duration::from_secs(5))
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

/// `AWS_ALLOW_HTTP` as object_store reads it, so the explicit client options above do not
/// override the environment.
fn allow_http_from_env() -> bool {
    std::env::var("AWS_ALLOW_HTTP")
        .map(|value| matches!(value.to_ascii_lowercase().as_str(), "true" | "1" | "yes"))
        .unwrap_or(false)
}

/// An object-store registry that resolves `s3://bucket` URLs on first use from the
/// environment, so SQL can name any bucket (`COPY … TO 's3://…'`) without set-up.
#[derive(Debug, Default)]
pub struct EnvObjectStoreRegistry {
    stores: DefaultObjectStoreRegistry,
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
                self.stores
                    .register_store(&location.store_url(), Arc::clone(&store));
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
        assert!(Location::parse("gs://bucket/x").is_err());
    }

    #[test]
    fn child_urls_end_in_a_slash() {
        let s3 = Location::parse("s3://b/p").unwrap();
        assert_eq!(s3.child_url("calls"), "s3://b/p/calls/");
        let local = Location::parse("/tmp/data").unwrap();
        assert_eq!(local.child_url("calls"), "/tmp/data/calls/");
        assert_eq!(
            local.object_path("calls/x.parquet").unwrap().as_ref(),
            "tmp/data/calls/x.parquet"
        );
    }
}
