//! The `.npy` header: magic, version, length and the Python-literal dict describing the array.
//!
//! [`Header`] is the array description (dtype, memory order, shape). [`read_header`] reads and
//! validates one from any reader, refusing headers over the configured size limit before
//! allocating for them; [`Header::to_bytes`] renders the exact prefix `np.save` writes.
//!
//! ```
//! use npio::{npy::Header, DType};
//! let header = Header::new(DType::parse("<f8").unwrap(), vec![3], false);
//! let bytes = header.to_bytes().unwrap();
//! assert_eq!(bytes.len(), 128);
//! assert_eq!(&bytes[..10], b"\x93NUMPY\x01\x00\x76\x00");
//! let info = npio::npy::read_header(&mut &bytes[..], &npio::ReadOptions::default()).unwrap();
//! assert_eq!(info.header, header);
//! assert_eq!(info.data_offset, 128);
//! ```

mod canonical;

use std::io::Read;

use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::format::literal::Literal;
use crate::format::{self, render, wrap_header, Version};

/// NumPy's default limit on the header length, in bytes.
pub const DEFAULT_MAX_HEADER_SIZE: usize = 10_000;

/// How many digits `np.save` leaves room for on the growth axis (NumPy's
/// `GROWTH_AXIS_MAX_DIGITS`).
const GROWTH_AXIS_MAX_DIGITS: usize = 21;

/// Options for reading: limits and trailing data. Set them with the builder methods, then end
/// in the operation; every reading route has one here, with the same checks as the plain
/// function or constructor it stands for:
///
/// | Without options | With options |
/// |---|---|
/// | [`read_npy(path)`](crate::read_npy) | [`ReadOptions::read_npy`] |
/// | [`from_bytes(bytes)`](crate::from_bytes) | [`ReadOptions::from_bytes`] |
/// | [`view_npy(bytes)`](crate::view_npy) | [`ReadOptions::view_npy`] |
/// | [`NpyReader::open(path)`](crate::NpyReader::open) | [`ReadOptions::open_npy`] |
/// | [`NpyReader::new(reader)`](crate::NpyReader::new), [`ReadNpy::read_npy`](crate::ReadNpy::read_npy) | [`ReadOptions::npy_reader`] |
/// | [`NpyReader::stream(reader)`](crate::NpyReader::stream) | [`ReadOptions::npy_stream`] |
/// | `NpzReader::open(path)` | `ReadOptions::open_npz` (feature `npz`) |
/// | `NpzReader::new(reader)` | `ReadOptions::npz_reader` (feature `npz`) |
/// | `NpyMap::open(path)` | `ReadOptions::map_npy` (feature `mmap`) |
/// | `NpzMap::open(path)` | `ReadOptions::map_npz` (features `npz`, `mmap`) |
///
/// ```
/// let opts = npio::ReadOptions::new().max_header_size(1 << 20).allow_trailing_data(true);
/// let bytes = npio::to_bytes(&ndarray::arr1(&[1u8])).unwrap();
/// let a: ndarray::Array1<u8> = opts.from_bytes(&bytes).unwrap();
/// # assert_eq!(a.len(), 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReadOptions {
    max_header_size: usize,
    max_data_size: u64,
    allow_trailing_data: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_header_size: DEFAULT_MAX_HEADER_SIZE,
            max_data_size: u64::MAX,
            allow_trailing_data: false,
        }
    }
}

impl ReadOptions {
    /// The default options: NumPy's header limit (10000 bytes), no data limit, no trailing
    /// data (the same as `ReadOptions::default()`).
    ///
    /// ```
    /// assert_eq!(npio::ReadOptions::new(), npio::ReadOptions::default());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the largest header length accepted, in bytes (default 10000, NumPy's default).
    /// Files with thousands of record fields legitimately need more.
    ///
    /// ```
    /// let opts = npio::ReadOptions::default().max_header_size(200_000);
    /// # let _ = opts;
    /// ```
    pub fn max_header_size(mut self, bytes: usize) -> Self {
        self.max_header_size = bytes;
        self
    }

    /// Sets the largest array data accepted, in bytes (default: no limit, like NumPy). npio
    /// never allocates more than a source really delivers, but a genuine array (or a
    /// deflate bomb: a small npz member that truly inflates to gigabytes) can be as large as
    /// its header says; services reading untrusted files should set this. Checked as soon as
    /// the header is parsed, before anything is allocated or inflated.
    ///
    /// ```
    /// let bytes = npio::to_bytes(&ndarray::Array1::<f64>::zeros(1000)).unwrap();
    /// let opts = npio::ReadOptions::new().max_data_size(4096);
    /// let err = opts.from_bytes::<npio::DynArray>(&bytes).unwrap_err();
    /// assert!(err.to_string().contains("8000 bytes"), "{err}");
    /// ```
    pub fn max_data_size(mut self, bytes: u64) -> Self {
        self.max_data_size = bytes;
        self
    }

    /// The data size limit in force (options are set by their builder methods; the readers
    /// read them back).
    #[cfg(feature = "npz")]
    pub(crate) fn get_max_data_size(&self) -> u64 {
        self.max_data_size
    }

    /// Accept bytes after the array data (off by default, so truncation and concatenation
    /// mistakes are caught). Turn it on to read arrays written one after another into one
    /// stream, as repeated `np.save(f, ...)` calls do.
    ///
    /// ```
    /// let bytes = [npio::to_bytes(&ndarray::arr1(&[1u8])).unwrap(), vec![0]].concat();
    /// assert!(npio::from_bytes::<npio::DynArray>(&bytes).is_err());
    /// let opts = npio::ReadOptions::new().allow_trailing_data(true);
    /// assert!(opts.from_bytes::<npio::DynArray>(&bytes).is_ok());
    /// ```
    pub fn allow_trailing_data(mut self, allow: bool) -> Self {
        self.allow_trailing_data = allow;
        self
    }

    /// Whether trailing data is accepted.
    pub(crate) fn get_allow_trailing_data(&self) -> bool {
        self.allow_trailing_data
    }
}

/// The description of an array in a `.npy` header.
///
/// ```
/// let h = npio::npy::Header::new(npio::DType::parse("<i4").unwrap(), vec![2, 3], true);
/// assert_eq!(h.element_count().unwrap(), 6);
/// assert_eq!(h.data_len().unwrap(), 24);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Header {
    /// The element type (never a top-level sub-array: those are folded into the shape).
    pub dtype: DType,
    /// True when the data is in Fortran (column-major) order.
    pub fortran_order: bool,
    /// The logical shape.
    pub shape: Vec<usize>,
}

/// A header read from a file, with where it came from.
///
/// ```
/// let bytes = npio::to_bytes(&ndarray::arr1(&[1u8, 2])).unwrap();
/// let info = npio::npy::read_header(&mut &bytes[..], &npio::ReadOptions::default()).unwrap();
/// assert_eq!(info.version, npio::npy::Version::V1_0);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HeaderInfo {
    /// The array description.
    pub header: Header,
    /// The file's format version.
    pub version: Version,
    /// Byte offset of the array data from the start of the file.
    pub data_offset: u64,
}

impl HeaderInfo {
    /// Checks, without reading any data, that a file (or archive member) of `len` bytes holds
    /// all the data this header describes: a truncated file fails here with
    /// [`Error::TruncatedData`]. Arrays of Python objects hold a pickle, not 8 bytes per
    /// element, so there is no claim to check: they pass here and are refused (or left to
    /// pickle) where their data would be read.
    ///
    /// ```
    /// let bytes = npio::to_bytes(&ndarray::arr1(&[1u32, 2])).unwrap();
    /// let info = npio::npy::read_header(&mut &bytes[..], &Default::default()).unwrap();
    /// assert!(info.check_len(bytes.len() as u64).is_ok());
    /// let err = info.check_len(bytes.len() as u64 - 1).unwrap_err();
    /// assert!(matches!(err, npio::Error::TruncatedData { expected: 8, found: 7, .. }));
    /// ```
    pub fn check_len(&self, len: u64) -> Result<()> {
        self.check_extent(len, true)
    }

    /// Checks that a source of `len` bytes (header included) holds exactly the data the
    /// header claims: [`Error::TruncatedData`] when it is shorter, [`Error::TrailingData`]
    /// when it is longer unless `allow_trailing` (as [`ReadOptions::allow_trailing_data`]).
    /// For views of memory another runtime owns, before handing out a view of it. Arrays of
    /// Python objects pass (their data is a pickle).
    ///
    /// ```
    /// let mut bytes = npio::to_bytes(&ndarray::arr1(&[1u32, 2])).unwrap();
    /// bytes.push(0);
    /// let info = npio::npy::read_header(&mut &bytes[..], &Default::default()).unwrap();
    /// let err = info.check_extent(bytes.len() as u64, false).unwrap_err();
    /// assert!(matches!(err, npio::Error::TrailingData { offset: 136 }));
    /// assert!(info.check_extent(bytes.len() as u64, true).is_ok());
    /// ```
    pub fn check_extent(&self, len: u64, allow_trailing: bool) -> Result<()> {
        if self.header.dtype.has_object() {
            return Ok(());
        }
        let expected = self.header.data_len()? as u64;
        let found = len.saturating_sub(self.data_offset);
        if found < expected {
            return Err(Error::TruncatedData {
                offset: self.data_offset,
                expected,
                found,
            });
        }
        if found > expected && !allow_trailing {
            return Err(Error::TrailingData {
                offset: self.data_offset + expected,
            });
        }
        Ok(())
    }
}

impl Header {
    /// A header for an array of `dtype` with `shape`, in Fortran order if `fortran_order`.
    /// A sub-array dtype is folded into the shape, as NumPy does.
    ///
    /// ```
    /// let dt = npio::DType::parse("('<i4', (2,))").unwrap();
    /// let h = npio::npy::Header::new(dt, vec![3], false);
    /// assert_eq!(h.shape, vec![3, 2]);
    /// ```
    pub fn new(dtype: DType, shape: Vec<usize>, fortran_order: bool) -> Header {
        match dtype {
            DType::SubArray(sub) => {
                let (sub_shape, base) = sub.element_shape();
                let mut shape = shape;
                shape.extend(sub_shape);
                Header::new(base.clone(), shape, fortran_order)
            }
            dtype => Header {
                dtype,
                fortran_order,
                shape,
            },
        }
    }

    /// The number of elements, checked for overflow.
    ///
    /// ```
    /// let h = npio::npy::Header::new(npio::DType::parse("<i4").unwrap(), vec![usize::MAX, 2], false);
    /// assert!(h.element_count().is_err());
    /// ```
    pub fn element_count(&self) -> Result<usize> {
        self.shape
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d))
            .filter(|&n| n <= isize::MAX as usize)
            .ok_or_else(|| self.overflow())
    }

    /// The size of the array data in bytes, checked for overflow.
    ///
    /// ```
    /// let h = npio::npy::Header::new(npio::DType::parse("<U2").unwrap(), vec![3], false);
    /// assert_eq!(h.data_len().unwrap(), 24);
    /// ```
    ///
    /// NumPy's rule applies even when a dimension is 0: the product of the other dimensions
    /// times the item size must fit in an `isize` (NumPy calls shape `(0, 2**62)` of `<i8`
    /// "too big", and so does npio).
    ///
    /// ```
    /// let h = npio::npy::Header::new(npio::DType::parse("<i8").unwrap(), vec![0, 1 << 62], false);
    /// assert!(matches!(h.data_len(), Err(npio::Error::SizeOverflow { .. })));
    /// ```
    pub fn data_len(&self) -> Result<usize> {
        let itemsize = self.dtype.itemsize();
        self.shape
            .iter()
            .filter(|&&d| d != 0)
            .try_fold(itemsize.max(1), |acc, &d| acc.checked_mul(d))
            .filter(|&n| n <= isize::MAX as usize)
            .ok_or_else(|| self.overflow())?;
        Ok(self.element_count()? * itemsize)
    }

    fn overflow(&self) -> Error {
        Error::SizeOverflow {
            shape: self.shape.iter().map(|&d| d as u64).collect(),
            itemsize: self.dtype.itemsize() as u64,
        }
    }

    /// The header dict text as `np.save` writes it, growth-axis padding included, before
    /// alignment padding.
    fn dict_text(&self) -> String {
        let shape = Literal::Tuple(
            self.shape
                .iter()
                .map(|&d| Literal::Int(d as i128))
                .collect(),
        );
        let mut text = format!(
            "{{'descr': {}, 'fortran_order': {}, 'shape': {}, }}",
            self.dtype.descr_repr(),
            if self.fortran_order { "True" } else { "False" },
            render::repr_string(&shape)
        );
        let growth_axis = if self.fortran_order {
            self.shape.last()
        } else {
            self.shape.first()
        };
        if let Some(dim) = growth_axis {
            let digits = dim.to_string().len();
            text.extend(std::iter::repeat_n(
                ' ',
                GROWTH_AXIS_MAX_DIGITS.saturating_sub(digits),
            ));
        }
        text
    }

    /// The number of rows (along axis 0) and the shape of one row, for reading or writing
    /// row by row; [`Error::NotRowMajor`] for 0-d and Fortran-order arrays.
    pub(crate) fn rows(&self) -> Result<(usize, &[usize])> {
        match self.shape.split_first() {
            Some((&rows, row_shape)) if !self.fortran_order => Ok((rows, row_shape)),
            _ => Err(Error::NotRowMajor {
                shape: self.shape.clone(),
                fortran_order: self.fortran_order,
            }),
        }
    }

    /// The complete prefix (magic, version, length, header) exactly as `np.save` writes it,
    /// choosing the format version the way NumPy does: 1.0 when the header is latin-1 and
    /// short enough, else 2.0 when latin-1, else 3.0.
    ///
    /// ```
    /// let dt = npio::DType::parse("[('日本', '<i4')]").unwrap();
    /// let bytes = npio::npy::Header::new(dt, vec![1], false).to_bytes().unwrap();
    /// assert_eq!(&bytes[6..8], &[3, 0]);
    /// assert_eq!(bytes.len() % 64, 0);
    /// ```
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let text = self.dict_text();
        [Version::V1_0, Version::V2_0, Version::V3_0]
            .into_iter()
            .find_map(|v| wrap_header(&text, v))
            .ok_or(Error::HeaderUnwritable { version: None })
    }

    /// The prefix in a chosen format version; an error when the header cannot be written in
    /// it (non-latin-1 text before 3.0, or over 65535 bytes in 1.0).
    ///
    /// ```
    /// let h = npio::npy::Header::new(npio::DType::parse("<f4").unwrap(), vec![2], false);
    /// let bytes = h.to_bytes_with_version(npio::npy::Version::V2_0).unwrap();
    /// assert_eq!(&bytes[6..8], &[2, 0]);
    /// ```
    pub fn to_bytes_with_version(&self, version: Version) -> Result<Vec<u8>> {
        wrap_header(&self.dict_text(), version).ok_or(Error::HeaderUnwritable {
            version: Some(version),
        })
    }

    /// Validates the parsed header dict the way `np.load` does, more strictly where NumPy is lax
    /// (bools are not dimensions).
    fn from_literal(dict: &Literal) -> Result<Header> {
        let Literal::Dict(entries) = dict else {
            return Err(Error::InvalidHeader {
                reason: format!("the header is a {}, not a dict", dict.type_name()),
            });
        };
        let (mut descr, mut fortran, mut shape) = (None, None, None);
        for (key, value) in entries {
            match key {
                Literal::Str(k) if k == "descr" => descr = Some(value),
                Literal::Str(k) if k == "fortran_order" => fortran = Some(value),
                Literal::Str(k) if k == "shape" => shape = Some(value),
                other => {
                    return Err(Error::InvalidHeader { reason: format!(
                        "unexpected key {} (the keys must be exactly 'descr', 'fortran_order' and 'shape')",
                        render::repr_string(other)
                    ) })
                }
            }
        }
        let missing = |k: &str| Error::InvalidHeader {
            reason: format!("missing key '{k}'"),
        };
        let descr = descr.ok_or_else(|| missing("descr"))?;
        let fortran_order = match fortran.ok_or_else(|| missing("fortran_order"))? {
            Literal::Bool(b) => *b,
            other => {
                return Err(Error::InvalidHeader {
                    reason: format!(
                        "fortran_order is not a valid bool: {}",
                        render::repr_string(other)
                    ),
                })
            }
        };
        let shape_lit = shape.ok_or_else(|| missing("shape"))?;
        let bad_shape = || Error::InvalidHeader {
            reason: format!("shape is not valid: {}", render::repr_string(shape_lit)),
        };
        let Literal::Tuple(dims) = shape_lit else {
            return Err(bad_shape());
        };
        let shape = dims
            .iter()
            .map(|d| match d {
                Literal::Int(i) => usize::try_from(*i).ok(),
                _ => None,
            })
            .collect::<Option<Vec<usize>>>()
            .ok_or_else(bad_shape)?;
        let dtype = DType::from_literal(descr)?;
        if fortran_order && matches!(dtype, DType::SubArray(..)) {
            return Err(Error::InvalidHeader {
                reason: "a sub-array descr cannot be combined with fortran_order".into(),
            });
        }
        let header = Header::new(dtype, shape, fortran_order);
        header.data_len()?;
        Ok(header)
    }
}

/// NumPy writes `fortran_order: True` only for arrays that are Fortran-contiguous and not
/// C-contiguous: at least two axes longer than 1 and no empty axis.
pub(crate) fn fortran_flag(requested: bool, shape: &[usize]) -> bool {
    requested && !shape.contains(&0) && shape.iter().filter(|&&d| d > 1).count() >= 2
}

/// Reads and validates a `.npy` header, leaving `reader` at the first data byte.
///
/// The header length is checked against [`ReadOptions::max_header_size`] before anything is
/// allocated for it.
///
/// ```
/// let mut bytes = npio::to_bytes(&ndarray::arr2(&[[1i16, 2], [3, 4]])).unwrap();
/// let info = npio::npy::read_header(&mut &bytes[..], &npio::ReadOptions::default()).unwrap();
/// assert_eq!(info.header.shape, vec![2, 2]);
/// bytes[8] = 0xff; // claim a longer header than the file has
/// assert!(npio::npy::read_header(&mut &bytes[..], &npio::ReadOptions::default()).is_err());
/// ```
pub fn read_header<R: Read + ?Sized>(reader: &mut R, options: &ReadOptions) -> Result<HeaderInfo> {
    let prefix = format::read_prefix(reader, options.max_header_size)?;
    let header = match canonical::parse(&prefix.raw) {
        Some(header) => header,
        None => {
            let literal = format::parse_text(&prefix.raw, prefix.version, prefix.text_offset)?;
            Header::from_literal(&literal)?
        }
    };
    if options.max_data_size != u64::MAX {
        let bytes = header.data_len()? as u64;
        if bytes > options.max_data_size {
            return Err(Error::DataTooLarge {
                bytes,
                limit: options.max_data_size,
            });
        }
    }
    Ok(HeaderInfo {
        header,
        version: prefix.version,
        data_offset: prefix.data_offset(),
    })
}

#[cfg(test)]
mod tests;
