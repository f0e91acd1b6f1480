//! Where remote objects are: URLs resolved to `object_store` clients (configured from the
//! environment and explicit options, shared by every object of one bucket or host), the
//! runtime their requests run on, and their errors as `std::io` errors of the right kind.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::sync::{Arc, Mutex, OnceLock};

use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreScheme};
use url::Url;

/// A store and the object a URL names in it.
pub(crate) struct Located {
    pub(crate) store: Arc<dyn ObjectStore>,
    pub(crate) path: ObjectPath,
    /// The URL of the store's root (`s3://bucket`, `https://host:port`): with `path`, the URL.
    pub(crate) base: String,
}

/// The clients made so far, by bucket or host and options: one client (so one connection
/// pool) per store, whatever the number of objects opened. At most [`CLIENTS_MAX`] are kept.
type Clients = HashMap<String, Arc<dyn ObjectStore>>;

/// A bound on the clients kept; past it the cache starts again (clients in use live on).
const CLIENTS_MAX: usize = 64;

/// Resolves `url` (`s3://`, `gs://`, `az://`/`abfs://`, `http(s)://` and the other forms
/// `object_store` knows) to its store and object path. Options are `object_store`'s
/// configuration keys (`aws_endpoint`, `aws_region`, `google_service_account`,
/// `azure_storage_account_name`, `allow_http`, ...); an unknown key is an error, not ignored.
/// The standard environment variables (`AWS_*`, `GOOGLE_*`, `AZURE_*`) apply first.
pub(crate) fn locate(url: &str, options: &[(String, String)]) -> io::Result<Located> {
    let parsed = Url::parse(url).map_err(|e| invalid(format!("not a URL ({e})")))?;
    let (scheme, path) = ObjectStoreScheme::parse(&parsed).map_err(|e| invalid(e.to_string()))?;
    let path = ObjectPath::parse(path.as_ref().trim_end_matches('/'))
        .map_err(|e| invalid(e.to_string()))?;
    let base = match scheme {
        ObjectStoreScheme::Http => parsed[..url::Position::BeforePath].to_string(),
        _ => format!("{}://{}", parsed.scheme(), parsed.host_str().unwrap_or("")),
    };
    let mut key = base.clone();
    for (k, v) in options {
        key.push_str(&format!("\n{k}={v}"));
    }
    static CLIENTS: OnceLock<Mutex<Clients>> = OnceLock::new();
    let clients = CLIENTS.get_or_init(Default::default);
    if let Some(store) = clients.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return Ok(Located {
            store: Arc::clone(store),
            path,
            base,
        });
    }
    let store = build(scheme, url, &base, options).map_err(storage_error)?;
    let mut clients = clients.lock().unwrap_or_else(|p| p.into_inner());
    if clients.len() >= CLIENTS_MAX {
        clients.clear();
    }
    clients.insert(key, Arc::clone(&store));
    Ok(Located { store, path, base })
}

/// The URLs of the objects directly under `url` (a prefix, as a folder), sorted.
pub(crate) fn list(url: &str, options: &[(String, String)]) -> io::Result<Vec<String>> {
    let Located { store, path, base } = locate(url, options)?;
    let prefix = (!path.as_ref().is_empty()).then_some(path);
    let listed = run(async move { store.list_with_delimiter(prefix.as_ref()).await })
        .map_err(storage_error)?;
    let mut urls: Vec<String> = listed
        .objects
        .iter()
        .map(|meta| format!("{base}/{}", meta.location))
        .collect();
    urls.sort();
    Ok(urls)
}

/// Applies `options` to a builder of `object_store`'s, refusing keys it does not know.
macro_rules! configured {
    ($builder:expr, $key:ty, $options:expr) => {{
        let mut builder = $builder;
        for (k, v) in $options {
            let key: $key = k.to_ascii_lowercase().parse()?;
            builder = builder.with_config(key, v.clone());
        }
        Arc::new(builder.build()?) as Arc<dyn ObjectStore>
    }};
}

/// A new client for the store `url` is in.
fn build(
    scheme: ObjectStoreScheme,
    url: &str,
    base: &str,
    options: &[(String, String)],
) -> object_store::Result<Arc<dyn ObjectStore>> {
    use object_store::{aws, azure, gcp, http, ClientConfigKey};
    Ok(match scheme {
        ObjectStoreScheme::AmazonS3 => configured!(
            aws::AmazonS3Builder::from_env().with_url(url),
            aws::AmazonS3ConfigKey,
            options
        ),
        ObjectStoreScheme::GoogleCloudStorage => configured!(
            gcp::GoogleCloudStorageBuilder::from_env().with_url(url),
            gcp::GoogleConfigKey,
            options
        ),
        ObjectStoreScheme::MicrosoftAzure => configured!(
            azure::MicrosoftAzureBuilder::from_env().with_url(url),
            azure::AzureConfigKey,
            options
        ),
        ObjectStoreScheme::Http => {
            // A plain http:// URL asks for plain HTTP: allowed, as the URL says.
            let builder = http::HttpBuilder::new().with_url(base).with_config(
                ClientConfigKey::AllowHttp,
                base.starts_with("http:").to_string(),
            );
            configured!(builder, ClientConfigKey, options)
        }
        other => {
            return Err(object_store::Error::NotSupported {
                source: format!(
                "{other:?} URLs are not object storage npio reads (local files are read by path)"
            )
                .into(),
            })
        }
    })
}

/// npio's I/O runtime: two threads of its own, started on first use.
fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("npio-remote")
            .enable_all()
            .build()
            .expect("npio: the I/O runtime could not start (no threads?)")
    })
}

/// Runs `future` on npio's I/O runtime and waits for it. The runtime has its own threads, so
/// this works from any thread, inside another async runtime or a rayon pool too.
pub(crate) fn run<T, F>(future: F) -> T
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    spawn(async move {
        let _ = tx.send(future.await);
    });
    rx.recv()
        .expect("npio: a remote request's task ended without a result (it panicked)")
}

/// Starts `future` on npio's I/O runtime without waiting for it.
pub(crate) fn spawn<F>(future: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    runtime().spawn(future);
}

/// `err` as an I/O error of the kind callers test for: a missing object is `NotFound`, missing
/// rights or credentials `PermissionDenied`, an object that exists where none may
/// `AlreadyExists`, a bad URL or option `InvalidInput`; network failures and the rest `Other`,
/// with `object_store`'s message (it says which).
pub(crate) fn storage_error(err: object_store::Error) -> io::Error {
    use object_store::Error as E;
    let kind = match &err {
        E::NotFound { .. } => io::ErrorKind::NotFound,
        E::PermissionDenied { .. } | E::Unauthenticated { .. } => io::ErrorKind::PermissionDenied,
        E::AlreadyExists { .. } => io::ErrorKind::AlreadyExists,
        E::InvalidPath { .. } | E::UnknownConfigurationKey { .. } => io::ErrorKind::InvalidInput,
        E::NotSupported { .. } | E::NotImplemented { .. } => io::ErrorKind::Unsupported,
        _ => io::ErrorKind::Other,
    };
    io::Error::new(kind, err)
}

/// An `InvalidInput` error about a URL.
fn invalid(reason: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, reason)
}
