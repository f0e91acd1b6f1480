//! `npio cat [--out OUT] INPUT...`: concatenates arrays with the same dtype and trailing shape
//! along axis 0, streaming, in bounded memory. Inputs are `.npy` files or archive members
//! written `FILE.npz:NAME`; either may be a URL (`s3://bucket/a.npy`, `https://host/b.npz:x`),
//! read by range requests. Without `--out` the result goes to standard output.

use std::fs::File;
use std::io::{BufReader, BufWriter, IsTerminal, Read, Seek, Write};
use std::path::{Path, PathBuf};

use npio::npy::Header;
use npio::remote::Remote;
use npio::{dtype::Endian, DType, NpzReader, ReadOptions};

use crate::output::Guard;
use crate::CliError;

/// One input: a `.npy` file, or a member of an archive (`FILE.npz:NAME`).
struct Input {
    path: PathBuf,
    member: Option<String>,
    shown: String,
}

impl Input {
    fn parse(text: &str) -> Input {
        if let Some((url, member)) = crate::remote::member_spec(Path::new(text)) {
            return Input {
                path: url,
                member: Some(member),
                shown: text.to_string(),
            };
        }
        let (path, member) = match text.find(".npz:") {
            Some(i) => (&text[..i + 4], Some(text[i + 5..].to_string())),
            None => (text, None),
        };
        Input {
            path: PathBuf::from(path),
            member,
            shown: text.to_string(),
        }
    }

    fn fail(&self, err: npio::Error) -> CliError {
        CliError::data(format!("{}: {err}{}", self.shown, crate::hint(&err)))
    }

    /// The object storage client for a URL input.
    fn remote(&self, options: &ReadOptions) -> Option<(Remote, &str)> {
        crate::remote::url(&self.path).map(|url| (Remote::new().read_options(*options), url))
    }

    /// The input's header, reading nothing else.
    fn header(&self, options: &ReadOptions) -> Result<Header, CliError> {
        match (&self.member, self.remote(options)) {
            (None, Some((remote, url))) => {
                let mut object = remote.open(url).map_err(|e| self.fail(e))?;
                let info =
                    npio::npy::read_header(&mut object, options).map_err(|e| self.fail(e))?;
                Ok(info.header)
            }
            (None, None) => {
                let file = File::open(&self.path).map_err(|e| CliError::io(&self.path, e))?;
                let info = npio::npy::read_header(&mut BufReader::new(file), options)
                    .map_err(|e| self.fail(e))?;
                Ok(info.header)
            }
            (Some(member), Some((remote, url))) => {
                let npz = remote.open_npz(url).map_err(|e| self.fail(e))?;
                self.member_header(npz, member)
            }
            (Some(member), None) => {
                let npz = options.open_npz(&self.path).map_err(|e| self.fail(e))?;
                self.member_header(npz, member)
            }
        }
    }

    fn member_header<R: Read + Seek>(
        &self,
        mut npz: NpzReader<R>,
        member: &str,
    ) -> Result<Header, CliError> {
        let info = npz.member_info(member).map_err(|e| self.fail(e))?;
        info.npy
            .map(|i| i.header)
            .ok_or_else(|| CliError::data(format!("{}: the member is not an array", self.shown)))
    }

    /// Copies the input's data to `out` as data of `target`.
    fn copy_to<W: Write>(
        &self,
        out: &mut W,
        target: &DType,
        options: &ReadOptions,
    ) -> Result<u64, CliError> {
        match (&self.member, self.remote(options)) {
            (None, Some((remote, url))) => {
                let reader = remote.open_npy(url).map_err(|e| self.fail(e))?;
                reader.copy_data(out, target).map_err(|e| self.fail(e))
            }
            (None, None) => {
                let file = File::open(&self.path).map_err(|e| CliError::io(&self.path, e))?;
                let reader = options
                    .npy_reader(BufReader::with_capacity(1 << 20, file))
                    .map_err(|e| self.fail(e))?;
                reader.copy_data(out, target).map_err(|e| self.fail(e))
            }
            (Some(member), Some((remote, url))) => {
                let npz = remote.open_npz(url).map_err(|e| self.fail(e))?;
                self.copy_member(npz, member, out, target)
            }
            (Some(member), None) => {
                let npz = options.open_npz(&self.path).map_err(|e| self.fail(e))?;
                self.copy_member(npz, member, out, target)
            }
        }
    }

    fn copy_member<R: Read + Seek, W: Write>(
        &self,
        mut npz: NpzReader<R>,
        member: &str,
        out: &mut W,
        target: &DType,
    ) -> Result<u64, CliError> {
        let reader = npz.member_reader(member).map_err(|e| self.fail(e))?;
        reader.copy_data(out, target).map_err(|e| self.fail(e))
    }
}

/// The header of the concatenation, after checking that the inputs fit together.
fn joined_header(inputs: &[Input], headers: &[Header]) -> Result<Header, CliError> {
    let first = &headers[0];
    let Some((_, trailing)) = first.shape.split_first() else {
        return Err(CliError::data(format!(
            "{}: a 0-d array cannot be concatenated",
            inputs[0].shown
        )));
    };
    let mut rows = 0usize;
    for (input, h) in inputs.iter().zip(headers) {
        if h.dtype.with_endian(Endian::Little) != first.dtype.with_endian(Endian::Little) {
            return Err(CliError::data(format!(
                "{}: dtype {} differs from {} of {}",
                input.shown,
                h.dtype.descr_repr(),
                first.dtype.descr_repr(),
                inputs[0].shown
            )));
        }
        match h.shape.split_first() {
            Some((&n, rest)) if rest == trailing => {
                rows = rows
                    .checked_add(n)
                    .ok_or_else(|| CliError::data("too many rows"))?
            }
            _ => {
                return Err(CliError::data(format!(
                    "{}: shape {:?} does not continue shape {:?} of {} along axis 0",
                    input.shown, h.shape, first.shape, inputs[0].shown
                )))
            }
        }
    }
    let mut shape = vec![rows];
    shape.extend_from_slice(trailing);
    let header = Header::new(first.dtype.clone(), shape, false);
    // The result must be an array NumPy (and npio) can read back.
    header
        .data_len()
        .map_err(|e| CliError::data(format!("the concatenation is not a valid array: {e}")))?;
    Ok(header)
}

fn write_all_inputs<W: Write>(
    out: &mut W,
    header: &Header,
    inputs: &[Input],
    options: &ReadOptions,
) -> Result<u64, CliError> {
    let prefix = header
        .to_bytes()
        .map_err(|e| CliError::data(e.to_string()))?;
    out.write_all(&prefix)
        .map_err(|e| CliError::data(format!("output: {e}")))?;
    let mut total = prefix.len() as u64;
    for input in inputs {
        total += input.copy_to(out, &header.dtype, options)?;
    }
    Ok(total)
}

/// Runs `npio cat`.
pub fn run(
    inputs: &[String],
    out: Option<&Path>,
    force: bool,
    options: ReadOptions,
    cancel: &crate::output::Cancel,
) -> Result<bool, CliError> {
    let inputs: Vec<Input> = inputs.iter().map(|s| Input::parse(s)).collect();
    let headers = inputs
        .iter()
        .map(|i| i.header(&options))
        .collect::<Result<Vec<_>, _>>()?;
    let header = joined_header(&inputs, &headers)?;
    match out {
        Some(path) => {
            let mut guard = Guard::new(force, cancel);
            for input in &inputs {
                guard.add_input(&input.path);
            }
            let sources: Vec<&Path> = inputs.iter().map(|i| i.path.as_path()).collect();
            let (pending, mut file) = crate::output::target::create(path, &guard, &sources)?;
            let written = write_all_inputs(&mut file, &header, &inputs, &options)?;
            pending.commit(file, path)?;
            eprintln!(
                "npio: wrote {}: {} rows of {} ({written} bytes)",
                path.display(),
                header.shape[0],
                crate::show::dtype_text(&header.dtype)
            );
        }
        None => {
            let stdout = std::io::stdout();
            if stdout.is_terminal() {
                return Err(CliError::usage(
                    "refusing to write binary .npy data to a terminal: use --out FILE or a pipe",
                ));
            }
            let mut lock = BufWriter::with_capacity(
                1 << 20,
                PipeOut {
                    inner: stdout.lock(),
                    closed: false,
                },
            );
            let result = write_all_inputs(&mut lock, &header, &inputs, &options).and_then(|_| {
                lock.flush()
                    .map_err(|e| CliError::data(format!("standard output: {e}")))
            });
            if result.is_err() && lock.get_ref().closed {
                // The reader has all it wanted (`| head`): not an error worth a message.
                return Err(CliError::pipe_closed());
            }
            result?;
        }
    }
    Ok(true)
}

/// Standard output, remembering whether its reader closed the pipe.
struct PipeOut<W: Write> {
    inner: W,
    closed: bool,
}

impl<W: Write> Write for PipeOut<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let result = self.inner.write(buf);
        self.closed |= matches!(&result, Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe);
        result
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let result = self.inner.flush();
        self.closed |= matches!(&result, Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe);
        result
    }
}
