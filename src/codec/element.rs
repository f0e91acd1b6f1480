//! Rust element types and the dtypes they read and write.
//!
//! [`Element`] is implemented for `bool`, `i8`..`i64`, `u8`..`u64`, [`half::f16`], `f32`, `f64`,
//! `Complex<f32>` and `Complex<f64>` here, and for records and datetimes in `record`. Data moves
//! in bulk: whole buffers are read or written at once and byte-swapped in place, never element by
//! element through I/O calls.
//!
//! ```
//! use npio::{Element, dtype::Endian};
//! assert_eq!(f64::dtype(Endian::Big).descr_repr(), "'>f8'");
//! assert_eq!(<num_complex::Complex<f32>>::dtype(Endian::Little).descr_repr(), "'<c8'");
//! assert_eq!(bool::dtype(Endian::Little).descr_repr(), "'|b1'");
//! ```

use std::io::{Read, Write};

use bytemuck::{NoUninit, Pod};
use ndarray::{ArrayD, ArrayView1};

use super::data::ArrayData;
use super::source::DataReader;
use super::swap::swap_in_place;
use super::table::element_table;
use crate::dtype::{DType, Endian, Scalar, ScalarKind};
use crate::error::{Error, Result};

/// Bytes moved per buffered write when data must be converted on the way out.
const WRITE_CHUNK_BYTES: usize = 1 << 16;

/// A Rust type that `.npy` data can be read into and written from.
///
/// The trait is sealed: implemented for NumPy's fixed-size numeric types, for
/// [`Datetime64`](crate::time::Datetime64) and [`Timedelta64`](crate::time::Timedelta64),
/// and for every struct that derives [`Record`](crate::record::Record)
/// (`#[derive(npio::Record)]`). Strings and other dtypes are read through the dynamic
/// [`DynArray`](crate::DynArray).
///
/// ```
/// fn roundtrip<T: npio::Element + PartialEq + std::fmt::Debug>(a: ndarray::ArrayD<T>) {
///     let bytes = npio::to_bytes(&a).unwrap();
///     assert_eq!(npio::from_bytes::<ndarray::Array<T, _>>(&bytes).unwrap(), a);
/// }
/// roundtrip(ndarray::arr1(&[1u16, 2, 3]).into_dyn());
/// ```
pub trait Element: Clone + Send + Sync + 'static + sealed::Codec {
    /// The Rust type's name, for messages.
    const NAME: &'static str;

    /// The dtype this type has in a given byte order.
    ///
    /// ```
    /// use npio::Element;
    /// assert_eq!(i32::dtype(npio::dtype::Endian::Little).descr_repr(), "'<i4'");
    /// ```
    fn dtype(endian: Endian) -> DType;

    /// True when data of `dtype` can be read as this type (in either byte order).
    ///
    /// `i64` also reads `datetime64` and `timedelta64` data (their stored integers).
    ///
    /// ```
    /// use npio::{DType, Element};
    /// assert!(f64::accepts(&DType::parse(">f8").unwrap()));
    /// assert!(!f64::accepts(&DType::parse("<f4").unwrap()));
    /// assert!(i64::accepts(&DType::parse("<M8[ns]").unwrap()));
    /// ```
    fn accepts(dtype: &DType) -> bool;
}

/// The index of the first byte that is not a valid bool (0 or 1).
pub(crate) fn first_bad_bool(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b > 1)
}

/// Fails with [`Error::InvalidBool`] (its file offset counted from `offset`) unless every byte
/// of `bytes` is 0 or 1.
pub(crate) fn check_bools(bytes: &[u8], offset: u64) -> Result<()> {
    match first_bad_bool(bytes) {
        Some(pos) => Err(Error::InvalidBool {
            offset: offset + pos as u64,
            value: bytes[pos],
        }),
        None => Ok(()),
    }
}

/// Fails with [`Error::DTypeMismatch`] unless data of `dtype` can be read as `T`.
pub(crate) fn check_accepts<T: Element>(dtype: &DType) -> Result<()> {
    if T::accepts(dtype) {
        Ok(())
    } else {
        Err(mismatch::<T>(dtype))
    }
}

fn mismatch<T: Element>(dtype: &DType) -> Error {
    Error::DTypeMismatch {
        found: dtype.clone(),
        requested: T::NAME.to_string(),
    }
}

/// Casts bytes to plain values: whole, aligned values only.
fn cast_pod<T: Pod>(bytes: &[u8]) -> std::result::Result<&[T], CastError> {
    bytemuck::try_cast_slice(bytes).map_err(|_| CastError::Misaligned)
}

fn cast_pod_mut<T: Pod>(bytes: &mut [u8]) -> std::result::Result<&mut [T], CastError> {
    bytemuck::try_cast_slice_mut(bytes).map_err(|_| CastError::Misaligned)
}

/// The byte order scalar data of `dtype` has, once `T` accepts it.
fn scalar_plan<T: Element>(dtype: &DType) -> Result<Endian> {
    check_accepts::<T>(dtype)?;
    Ok(dtype.scalar_endian())
}

/// Views in place need native byte order.
fn native_only(endian: &Endian) -> std::result::Result<(), String> {
    if endian.needs_swap() {
        let order = match endian {
            Endian::Big => "big",
            _ => "little",
        };
        Err(format!(
            "the data is {order}-endian and this machine is not"
        ))
    } else {
        Ok(())
    }
}

/// The crate-private half of [`Element`]: bulk decoding and encoding. Not nameable outside
/// the crate, which also seals [`Element`].
pub(crate) mod sealed {
    use super::*;

    /// Bulk decoding and encoding of one element type.
    pub trait Codec: Sized + 'static {
        /// How data of one file dtype maps onto this type: the byte order for scalars, a
        /// field-by-field copy program for records. Made once per read or write.
        type Plan: Clone + Send + Sync + 'static;

        /// The plan for reading data of `dtype` as this type, or why it can't be read so.
        fn read_plan(dtype: &DType) -> Result<Self::Plan>;

        /// The plan for writing this type as data of `dtype` (a dtype this type gave, or a
        /// file's dtype when appending), or why it can't be written so.
        fn write_plan(dtype: &DType) -> Result<Self::Plan>;

        /// `Ok` when data read with `plan` already has this type's memory layout, so it can
        /// be viewed in place (`mutable`: and written through); otherwise why not.
        fn zero_copy(plan: &Self::Plan, mutable: bool) -> std::result::Result<(), String>;

        fn read_vec<R: Read>(
            source: &mut DataReader<'_, R>,
            count: usize,
            plan: &Self::Plan,
        ) -> Result<Vec<Self>>;

        fn write_slice<W: Write + ?Sized>(
            writer: &mut W,
            data: &[Self],
            plan: &Self::Plan,
        ) -> std::io::Result<()>;

        fn write_rows<'a, W: Write + ?Sized, I: Iterator<Item = ArrayView1<'a, Self>>>(
            writer: &mut W,
            rows: I,
            plan: &Self::Plan,
        ) -> std::io::Result<()>;

        /// The bytes as values in place (only called after [`Codec::zero_copy`] said yes).
        fn cast_bytes(bytes: &[u8]) -> std::result::Result<&[Self], CastError>;

        /// As [`Codec::cast_bytes`], mutably.
        fn cast_bytes_mut(bytes: &mut [u8]) -> std::result::Result<&mut [Self], CastError>;

        /// Decodes file-order bytes into `out` (cleared first); `Err(index)` names the byte
        /// of a bad bool.
        fn decode_into(
            bytes: &[u8],
            out: &mut Vec<Self>,
            plan: &Self::Plan,
        ) -> std::result::Result<(), usize>;

        fn into_data(array: ArrayD<Self>) -> ArrayData;

        fn data_ref(data: &ArrayData) -> Option<&ArrayD<Self>>;

        /// The values of a dynamic array of `dtype` as this type.
        fn data_into(data: ArrayData, dtype: &DType) -> Result<ArrayD<Self>>;
    }

    /// Why bytes can't be seen as values in place.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum CastError {
        /// The bytes are not aligned for the type (or not a whole number of values).
        Misaligned,
        /// A bool byte at this index is neither 0 nor 1.
        BadBool(usize),
    }
}
pub(crate) use sealed::{CastError, Codec};

fn write_pod_slice<T: Pod, W: Write + ?Sized>(
    writer: &mut W,
    data: &[T],
    width: usize,
    endian: Endian,
) -> std::io::Result<()> {
    if !endian.needs_swap() || width == 1 {
        return writer.write_all(bytemuck::cast_slice(data));
    }
    let chunk = (WRITE_CHUNK_BYTES / std::mem::size_of::<T>()).max(1);
    let mut buf: Vec<T> = Vec::with_capacity(chunk.min(data.len()));
    for part in data.chunks(chunk) {
        buf.clear();
        buf.extend_from_slice(part);
        swap_in_place(&mut buf, width);
        writer.write_all(bytemuck::cast_slice(&buf))?;
    }
    Ok(())
}

/// Writes rows (1-D views, in order) through a reused buffer: contiguous rows are copied as
/// slices, strided ones element by element, and each full buffer is swapped and written.
fn write_rows_buffered<
    'a,
    T: NoUninit,
    W: Write + ?Sized,
    I: Iterator<Item = ArrayView1<'a, T>>,
>(
    writer: &mut W,
    rows: I,
    convert: impl Fn(&mut [T]),
) -> std::io::Result<()> {
    let chunk = (WRITE_CHUNK_BYTES / std::mem::size_of::<T>()).max(1);
    let mut buf: Vec<T> = Vec::with_capacity(chunk);
    let mut flush = |buf: &mut Vec<T>| -> std::io::Result<()> {
        convert(buf);
        writer.write_all(bytemuck::cast_slice(buf))?;
        buf.clear();
        Ok(())
    };
    for row in rows {
        match row.as_slice() {
            Some(mut slice) => {
                while !slice.is_empty() {
                    let take = (chunk - buf.len()).min(slice.len());
                    buf.extend_from_slice(&slice[..take]);
                    slice = &slice[take..];
                    if buf.len() == chunk {
                        flush(&mut buf)?;
                    }
                }
            }
            None => {
                for x in row.iter() {
                    buf.push(*x);
                    if buf.len() == chunk {
                        flush(&mut buf)?;
                    }
                }
            }
        }
    }
    flush(&mut buf)
}

/// The `Element` implementations of the table's rows (`codec/table.rs`); `bool`'s is below.
macro_rules! elements {
    (() $(
        [$impl:ident] $ty:ty, $name:literal => $v:ident($kind:ident, $size:literal, swap $swap:literal)
        $( + $av:ident($akind:pat) $adoc:literal )*;
    )*) => {$(
        element!([$impl] $ty, $name, $kind, $size, $swap, $v $(| $av)*; $(($akind, $size))|*);
    )*};
}

macro_rules! element {
    ([bool] $($rest:tt)*) => {};
    ([numeric] $t:ty, $name:literal, $kind:ident, $size:literal, $width:literal, $variant:ident $(| $also:ident)*; $($others:pat)?) => {
        impl Element for $t {
            const NAME: &'static str = $name;

            fn dtype(endian: Endian) -> DType {
                DType::Scalar(Scalar::new(ScalarKind::$kind, endian, $size).expect("valid numeric type"))
            }

            fn accepts(dtype: &DType) -> bool {
                let scalar = dtype.as_scalar().map(|s| (s.kind(), s.size()));
                matches!(scalar, Some((ScalarKind::$kind, $size))) $(|| matches!(scalar, Some($others)))?
            }
        }

        impl Codec for $t {
            type Plan = Endian;

            fn read_plan(dtype: &DType) -> Result<Endian> {
                scalar_plan::<Self>(dtype)
            }

            fn write_plan(dtype: &DType) -> Result<Endian> {
                scalar_plan::<Self>(dtype)
            }

            fn zero_copy(endian: &Endian, _mutable: bool) -> std::result::Result<(), String> {
                native_only(endian)
            }

            fn read_vec<R: Read>(source: &mut DataReader<'_, R>, count: usize, endian: &Endian) -> Result<Vec<Self>> {
                let endian = *endian;
                if endian.needs_swap() {
                    let swap = |piece: &mut [u8]| swap_in_place(piece, $width);
                    source.read_pod_vec_with::<$t>(count, Some(&swap))
                } else {
                    source.read_pod_vec::<$t>(count)
                }
            }

            fn write_slice<W: Write + ?Sized>(writer: &mut W, data: &[Self], endian: &Endian) -> std::io::Result<()> {
                write_pod_slice(writer, data, $width, *endian)
            }

            fn write_rows<'a, W: Write + ?Sized, I: Iterator<Item = ArrayView1<'a, Self>>>(writer: &mut W, rows: I, endian: &Endian) -> std::io::Result<()> {
                let swap = endian.needs_swap();
                write_rows_buffered(writer, rows, |buf: &mut [Self]| if swap { swap_in_place(buf, $width) })
            }

            fn cast_bytes(bytes: &[u8]) -> std::result::Result<&[Self], CastError> {
                cast_pod(bytes)
            }

            fn cast_bytes_mut(bytes: &mut [u8]) -> std::result::Result<&mut [Self], CastError> {
                cast_pod_mut(bytes)
            }

            fn decode_into(bytes: &[u8], out: &mut Vec<Self>, endian: &Endian) -> std::result::Result<(), usize> {
                let n = bytes.len() / std::mem::size_of::<Self>();
                out.clear();
                out.resize(n, <Self as bytemuck::Zeroable>::zeroed());
                bytemuck::cast_slice_mut::<Self, u8>(out).copy_from_slice(&bytes[..n * std::mem::size_of::<Self>()]);
                if endian.needs_swap() {
                    swap_in_place(out, $width);
                }
                Ok(())
            }

            fn into_data(array: ArrayD<Self>) -> ArrayData {
                ArrayData::$variant(array)
            }

            fn data_ref(data: &ArrayData) -> Option<&ArrayD<Self>> {
                match data {
                    ArrayData::$variant(a) $(| ArrayData::$also(a))* => Some(a),
                    _ => None,
                }
            }

            fn data_into(data: ArrayData, dtype: &DType) -> Result<ArrayD<Self>> {
                match data {
                    ArrayData::$variant(a) $(| ArrayData::$also(a))* => Ok(a),
                    _ => Err(mismatch::<Self>(dtype)),
                }
            }
        }
    };
}

element_table!(elements);

impl Element for bool {
    const NAME: &'static str = "bool";

    fn dtype(_: Endian) -> DType {
        DType::Scalar(
            Scalar::new(ScalarKind::Bool, Endian::NotApplicable, 1).expect("valid bool type"),
        )
    }

    fn accepts(dtype: &DType) -> bool {
        matches!(dtype, DType::Scalar(s) if s.kind() == ScalarKind::Bool)
    }
}

impl Codec for bool {
    type Plan = ();

    fn read_plan(dtype: &DType) -> Result<()> {
        check_accepts::<Self>(dtype)
    }

    fn write_plan(dtype: &DType) -> Result<()> {
        check_accepts::<Self>(dtype)
    }

    fn zero_copy(_: &(), _mutable: bool) -> std::result::Result<(), String> {
        Ok(())
    }

    fn read_vec<R: Read>(
        source: &mut DataReader<'_, R>,
        count: usize,
        _: &(),
    ) -> Result<Vec<Self>> {
        let bytes = source.read_pod_vec::<u8>(count)?;
        check_bools(&bytes, source.data_offset())?;
        // Same size and alignment: std collects this in place, reusing the allocation.
        Ok(bytes.into_iter().map(|b| b != 0).collect())
    }

    fn write_slice<W: Write + ?Sized>(
        writer: &mut W,
        data: &[Self],
        _: &(),
    ) -> std::io::Result<()> {
        writer.write_all(bytemuck::cast_slice::<bool, u8>(data))
    }

    fn write_rows<'a, W: Write + ?Sized, I: Iterator<Item = ArrayView1<'a, Self>>>(
        writer: &mut W,
        rows: I,
        _: &(),
    ) -> std::io::Result<()> {
        write_rows_buffered(writer, rows, |_: &mut [bool]| {})
    }

    fn cast_bytes(bytes: &[u8]) -> std::result::Result<&[Self], CastError> {
        // Checked: every byte must be 0 or 1 to be a bool.
        match first_bad_bool(bytes) {
            Some(bad) => Err(CastError::BadBool(bad)),
            None => Ok(bytemuck::checked::cast_slice(bytes)),
        }
    }

    fn cast_bytes_mut(bytes: &mut [u8]) -> std::result::Result<&mut [Self], CastError> {
        match first_bad_bool(bytes) {
            Some(bad) => Err(CastError::BadBool(bad)),
            None => Ok(bytemuck::checked::cast_slice_mut(bytes)),
        }
    }

    fn decode_into(bytes: &[u8], out: &mut Vec<Self>, _: &()) -> std::result::Result<(), usize> {
        out.clear();
        if let Some(bad) = first_bad_bool(bytes) {
            return Err(bad);
        }
        out.extend(bytes.iter().map(|&b| b == 1));
        Ok(())
    }

    fn into_data(array: ArrayD<Self>) -> ArrayData {
        ArrayData::Bool(array)
    }

    fn data_ref(data: &ArrayData) -> Option<&ArrayD<Self>> {
        match data {
            ArrayData::Bool(a) => Some(a),
            _ => None,
        }
    }

    fn data_into(data: ArrayData, dtype: &DType) -> Result<ArrayD<Self>> {
        match data {
            ArrayData::Bool(a) => Ok(a),
            _ => Err(mismatch::<Self>(dtype)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swap_widths() {
        let mut a = [0x0102u16, 0x0304];
        swap_in_place(&mut a, 2);
        assert_eq!(a, [0x0201, 0x0403]);
        let mut c = [num_complex::Complex::new(1.0f32, 2.0)];
        swap_in_place(&mut c, 4);
        assert_eq!(c[0].re.to_bits(), 1.0f32.to_bits().swap_bytes());
        assert_eq!(c[0].im.to_bits(), 2.0f32.to_bits().swap_bytes());
        let mut raw = [1u8, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
        swap_in_place(&mut raw, 16);
        assert_eq!(raw[0], 16);
    }

    #[test]
    fn buffered_swapped_writes_match_element_wise() {
        let data: Vec<u32> = (0..100_000).collect();
        let mut a = Vec::new();
        u32::write_slice(&mut a, &data, &Endian::Big).unwrap();
        let mut b = Vec::new();
        let strided = ndarray::Array2::from_shape_vec((1000, 100), data.clone()).unwrap();
        u32::write_rows(&mut b, strided.rows().into_iter(), &Endian::Big).unwrap();
        let expected: Vec<u8> = data.iter().flat_map(|x| x.to_be_bytes()).collect();
        assert_eq!(a, expected);
        assert_eq!(b, expected);
    }
}
