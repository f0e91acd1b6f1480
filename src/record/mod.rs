//! Rust structs as NumPy records: `#[derive(npio::Record)]`.
//!
//! A struct with named fields becomes a structured dtype: each field a named NumPy field, in
//! declaration order. Field types are the scalar element types (`bool`, integers, [`half::f16`],
//! `f32`, `f64`, `Complex<f32>`, `Complex<f64>`), [`Datetime64`](crate::time::Datetime64) and [`Timedelta64`](crate::time::Timedelta64) with their
//! unit, fixed arrays `[T; N]` of these (sub-array fields; nested arrays give a
//! multi-dimensional sub-array), byte strings `[u8; N]` (NumPy's `S<N>`), and other derived
//! records (nested records).
//!
//! ```
//! # #[cfg(feature = "derive")] {
//! use ndarray::Array1;
//!
//! #[derive(Debug, Clone, Copy, PartialEq, npio::Record)]
//! #[repr(C)]
//! struct Particle {
//!     id: u32,
//!     #[npio(rename = "position")]
//!     pos: [f32; 3],
//!     alive: bool,
//! }
//!
//! let rows = Array1::from(vec![Particle { id: 7, pos: [1.0, 2.0, 3.0], alive: true }]);
//! let bytes = npio::to_bytes(&rows).unwrap();
//! let d: npio::DynArray = npio::from_bytes(&bytes).unwrap();
//! assert_eq!(d.dtype().descr_repr(), "[('id', '<u4'), ('position', '<f4', (3,)), ('alive', '|b1')]");
//! let back: Array1<Particle> = npio::from_bytes(&bytes).unwrap();
//! assert_eq!(back, rows);
//! # }
//! ```
//!
//! ## Layout
//!
//! By default the dtype is packed (NumPy's default: each field right after the previous one).
//! `#[npio(align)]` on the struct gives NumPy's aligned layout (`np.dtype(..., align=True)`):
//! offsets and item size padded like a C struct.
//!
//! ## Reading
//!
//! A file's record is read into the struct when it has every field by name (or title), each of
//! the same type and size (either byte order); its fields may come in any order, with padding
//! or other fields between them, which are ignored. Types are never converted: an `<f4` field
//! is not read into an `f64` field. A missing or different field is an
//! [`Error::RecordMismatch`](crate::Error::RecordMismatch) naming it.
//!
//! ## Zero-copy
//!
//! When the file's record has exactly the struct's memory layout (same offsets and size,
//! native byte order; `#[repr(C)]` with the matching layout option makes that likely), memory
//! maps and [`view_npy`](crate::view_npy) give views of the struct without copying;
//! otherwise their error says which field differs.

mod codec;
mod layout;
mod plan;
pub(crate) mod time;

pub use crate::error::FieldProblem;
pub use layout::{FieldLayout, Layout, RecordLayout};

use crate::dtype::ScalarKind;

/// The deepest nesting [`Field::DEPTH`] may reach: records inside records this deep still
/// make a descr NumPy and npio can parse (for the derive's generated code).
#[doc(hidden)]
pub const MAX_DEPTH: usize = crate::dtype::MAX_DESCR_DEPTH;

/// A type that can be one field of a NumPy record: it knows its memory layout.
///
/// Implemented for the scalar element types, [`Datetime64`](crate::time::Datetime64), [`Timedelta64`](crate::time::Timedelta64), arrays of
/// fields, and by `#[derive(npio::Record)]` for structs.
///
/// # Safety
///
/// [`Field::layout`] must describe `Self` exactly: its size and alignment, and every value
/// inside it at its true offset, with nothing but padding left out. Every bit pattern of each
/// described value must be valid except for `bool` (0 or 1), and all-zero bytes must be a
/// valid `Self`. The derive guarantees this; implement it by hand only with the same care.
///
/// ```
/// use npio::record::Field;
/// assert_eq!(<[f32; 3]>::layout().size(), 12);
/// ```
#[allow(unsafe_code)] // an unsafe trait: its implementations promise a true layout
#[diagnostic::on_unimplemented(
    message = "`{Self}` can't be a field of a NumPy record",
    note = "record fields can be bool, integers, f16, f32, f64, Complex<f32>, Complex<f64>, \
            npio::time::Datetime64 / Timedelta64, [T; N] of those, [u8; N] (bytes), \
            or another #[derive(npio::Record)] struct"
)]
pub unsafe trait Field: Copy + Send + Sync + 'static {
    /// How deeply the descr of this field nests (scalars 0; each record level adds 2);
    /// the derive checks at compile time that it stays within the depth NumPy's descr parser
    /// accepts.
    const DEPTH: usize;

    /// The type's memory layout and NumPy type.
    ///
    /// ```
    /// use npio::record::{Field, Layout};
    /// assert!(matches!(u16::layout(), Layout::Scalar { size: 2, .. }));
    /// ```
    fn layout() -> Layout;
}

/// A struct stored as one NumPy record; implemented by `#[derive(npio::Record)]`.
///
/// Every `Record` is an [`Element`](crate::Element): arrays of it are read and written by
/// the same functions as numeric arrays ([`read_npy`](crate::read_npy),
/// [`write_npy`](crate::write_npy), `NpzWriter::add`, row chunks, memory maps...).
///
/// # Safety
///
/// As for [`Field`], and [`Field::layout`] must return [`Layout::Record`].
///
/// ```
/// # #[cfg(feature = "derive")] {
/// #[derive(Clone, Copy, npio::Record)]
/// struct Point { x: f64, y: f64 }
/// use npio::Element;
/// assert_eq!(Point::dtype(npio::dtype::Endian::Little).descr_repr(), "[('x', '<f8'), ('y', '<f8')]");
/// # }
/// ```
#[allow(unsafe_code)] // an unsafe trait, as Field
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an element type npio reads or writes",
    label = "not an npio element type",
    note = "elements are bool, integers, f16, f32, f64, Complex<f32>, Complex<f64>, \
            Datetime64/Timedelta64, and #[derive(npio::Record)] structs",
    note = "strings (`S`/`U` dtypes) and other dtypes: read a `npio::DynArray`, then \
            `to_strings()`, `to_byte_strings()` or `field(name)`"
)]
pub unsafe trait Record: Field {
    /// The struct's name, for messages.
    const NAME: &'static str;
}

/// `Field` for every scalar of the element table (`codec/table.rs`).
macro_rules! scalar_fields {
    (() $(
        [$impl:ident] $ty:ty, $name:literal => $v:ident($kind:ident, $size:literal, swap $swap:literal)
        $( + $av:ident($akind:pat) $adoc:literal )*;
    )*) => {$(
        // SAFETY: a scalar of exactly its size; every bit pattern is valid except for bool,
        // whose kind says so; zero is a valid value.
        #[allow(unsafe_code)]
        unsafe impl Field for $ty {
            const DEPTH: usize = 0;

            fn layout() -> Layout {
                Layout::Scalar { kind: ScalarKind::$kind, size: std::mem::size_of::<$ty>() }
            }
        }
    )*};
}

crate::codec::element_table!(scalar_fields);

// SAFETY: `N` values of `T`, `size_of::<T>()` apart with no gaps (Rust's array layout); valid
// when each element is.
#[allow(unsafe_code)]
unsafe impl<T: Field, const N: usize> Field for [T; N] {
    const DEPTH: usize = T::DEPTH;

    fn layout() -> Layout {
        Layout::Array {
            elem: Box::new(T::layout()),
            len: N,
        }
    }
}

/// The larger of two depths, for the derive's compile-time depth check (used by the
/// generated code only: not part of the documented API).
#[doc(hidden)]
pub const fn max_depth(a: usize, b: usize) -> usize {
    if a > b {
        a
    } else {
        b
    }
}
