//! Inputs that are URLs (`s3://`, `gs://`, `az://`, `http(s)://`), read by range requests
//! through npio's `remote` feature: `info`, `verify`, `convert` and `cat` take them as they take
//! paths (`convert` and `cat --out` write them through `output::target`).
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

/// An archive member named `URL.npz:NAME` (as `npio cat` and `convert` take them): the
/// archive's URL and the member's name. An object whose own name contains `.npz:` cannot be
/// read this way.
pub fn member_spec(text: &Path) -> Option<(std::path::PathBuf, String)> {
    let shown = url(text)?;
    let at = shown.find(".npz:")?;
    let member = &shown[at + 5..];
    (!member.is_empty()).then(|| {
        (
            std::path::PathBuf::from(&shown[..at + 4]),
            member.to_string(),
        )
    })
}

/// What the object `url` holds: by its name's extension, else by its first bytes.
pub fn kind(url: &str, options: &npio::ReadOptions) -> Result<crate::convert::Kind, CliError> {
    use crate::convert::Kind;
    let lower = url.to_ascii_lowercase();
    if lower.ends_with(".npy") {
        return Ok(Kind::Npy);
    }
    if lower.ends_with(".npz") {
        return Ok(Kind::Npz);
    }
    Ok(match open(url, options)?.2 {
        FileKind::Npy => Kind::Npy,
        FileKind::Npz => Kind::Npz,
    })
}
