//! Inputs that are URLs (`s3://`, `gs://`, `az://`, `http(s)://`), read by range requests
//! through npio's `remote` feature: `info` and `verify` take them as they take paths.
//! Configuration is the standard environment variables (`AWS_ENDPOINT_URL`,
//! `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ALLOW_HTTP`,
//! `GOOGLE_SERVICE_ACCOUNT`, `AZURE_STORAGE_ACCOUNT_NAME`, ...).

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use npio::remote::{Remote, RemoteFile};

use crate::sniff::FileKind;
use crate::CliError;

/// The URL `path` spells (`scheme://...`), if it is one rather than a local path.
pub fn url(path: &Path) -> Option<&str> {
    let text = path.to_str()?;
    let (scheme, rest) = text.split_once("://")?;
    let scheme_ok = scheme.len() > 1
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    (scheme_ok && !rest.is_empty()).then_some(text)
}

/// Opens the object `url` and tells a `.npy` file from an `.npz` archive by its first bytes
/// (the object is read from its start again afterwards).
pub fn open(
    url: &str,
    options: &npio::ReadOptions,
) -> Result<(Remote, RemoteFile, FileKind), CliError> {
    let at = Path::new(url);
    let remote = Remote::new().read_options(*options);
    let mut file = remote.open(url).map_err(|e| CliError::npio(at, e))?;
    let mut magic = Vec::with_capacity(6);
    (&mut file)
        .take(6)
        .read_to_end(&mut magic)
        .and_then(|_| file.seek(SeekFrom::Start(0)))
        .map_err(|e| CliError::io(at, e))?;
    let kind = crate::sniff::kind_of(&magic, at)?;
    Ok((remote, file, kind))
}
