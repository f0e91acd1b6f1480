//! Where a single output (of `convert` or `cat --out`) goes: a local file (under a temporary name, put in place whole)
//! or an object in object storage (uploaded as it is written, made visible whole by
//! [`npio::remote::RemoteWriter::finish`]). Either way the output appears whole or not at all.

use std::io::{self, Seek, SeekFrom, Write};
use std::path::Path;

use npio::remote::{Remote, RemoteWriter};

use super::{Cancel, Guard, OutputFile, TempOutput};
use crate::CliError;

/// An output being written.
pub enum Out {
    /// A local file under its temporary name.
    File(OutputFile),
    /// An object, uploaded as written (visible once complete); writes fail once Ctrl-C was
    /// pressed, and the upload is then aborted.
    Object(RemoteWriter, Cancel),
}

/// How an [`Out`] is put in place once written.
pub struct Pending(Option<TempOutput>);

/// Starts the output `output` (a path, or a URL: see [`crate::remote::url`]). An existing
/// object is kept without `--force`, as an existing file is; an input is never written.
pub fn create(output: &Path, guard: &Guard, inputs: &[&Path]) -> Result<(Pending, Out), CliError> {
    let Some(url) = crate::remote::url(output) else {
        let (tmp, file) = TempOutput::create(output, guard)?;
        return Ok((Pending(Some(tmp)), Out::File(file)));
    };
    if inputs.iter().any(|i| crate::remote::url(i) == Some(url)) {
        return Err(CliError::data(format!(
            "{url}: refusing to overwrite an input"
        )));
    }
    let remote = Remote::new();
    if !guard.force {
        match remote.open(url) {
            Ok(_) => {
                return Err(CliError::data(format!(
                    "{url}: already exists (pass --force to overwrite it)"
                )))
            }
            Err(e) if is_not_found(&e) => {}
            Err(e) => return Err(CliError::npio(output, e)),
        }
    }
    let writer = remote.create(url).map_err(|e| CliError::npio(output, e))?;
    Ok((Pending(None), Out::Object(writer, guard.cancel().clone())))
}

/// True when `err` says the file or object does not exist.
fn is_not_found(err: &npio::Error) -> bool {
    matches!(err.root(), npio::Error::Io(e) if e.kind() == io::ErrorKind::NotFound)
}

impl Pending {
    /// Puts the written output in place: renames the file, or uploads the object.
    pub fn commit(self, out: Out, output: &Path) -> Result<(), CliError> {
        match (self.0, out) {
            (Some(tmp), Out::File(file)) => tmp.commit(file),
            (None, Out::Object(writer, cancel)) => {
                if cancel.is_set() {
                    return Err(interrupted(output));
                }
                writer
                    .finish()
                    .map(drop)
                    .map_err(|e| CliError::npio(output, e))
            }
            _ => Err(CliError::data(format!(
                "{}: internal error: output and target differ",
                output.display()
            ))),
        }
    }
}

fn interrupted(output: &Path) -> CliError {
    CliError::data(format!("{}: interrupted by Ctrl-C", output.display()))
}

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Out::File(f) => f.write(buf),
            Out::Object(w, cancel) => {
                if cancel.is_set() {
                    return Err(io::Error::other("interrupted by Ctrl-C"));
                }
                w.write(buf)
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Out::File(f) => f.flush(),
            Out::Object(w, _) => w.flush(),
        }
    }
}

/// Files seek; uploads go front to back (archives to them are written with
/// [`npio::NpzWriter::new_stream`], see [`Out::is_stream`]).
impl Seek for Out {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        match self {
            Out::File(f) => f.seek(pos),
            Out::Object(..) => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "an upload cannot seek",
            )),
        }
    }
}

impl Out {
    /// True for outputs written front to back only (uploads).
    pub fn is_stream(&self) -> bool {
        matches!(self, Out::Object(..))
    }
}
