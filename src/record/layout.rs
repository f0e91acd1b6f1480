//! The memory layout of record field types, and the NumPy dtype each one is written as.

use super::{Field, Record};
use crate::dtype::{self, DType, Endian, Scalar, ScalarKind};
use crate::error::Result;

/// The memory layout of a [`Field`] type and the NumPy type it stands for.
///
/// ```
/// use npio::record::{Field, Layout};
/// match <[[u8; 4]; 2]>::layout() {
///     Layout::Array { len: 2, .. } => {}
///     other => panic!("{other:?}"),
/// }
/// assert_eq!(<[[u8; 4]; 2]>::layout().size(), 8);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Layout {
    /// One scalar of `size` bytes (a datetime kind carries its unit).
    Scalar {
        /// NumPy's kind.
        kind: ScalarKind,
        /// Size in bytes, in Rust and in the file.
        size: usize,
    },
    /// `[T; len]`: `len` elements, each the element's size apart. An innermost `[u8; N]` is
    /// the byte string `S<N>`.
    Array {
        /// The element's layout.
        elem: Box<Layout>,
        /// The number of elements.
        len: usize,
    },
    /// A derived record.
    Record(RecordLayout),
}

/// The layout of a derived struct: its fields at their Rust offsets.
///
/// ```
/// # #[cfg(feature = "derive")] {
/// #[derive(Clone, Copy, npio::Record)]
/// #[repr(C)]
/// struct P { a: u8, b: u32 }
/// let npio::record::Layout::Record(r) = <P as npio::record::Field>::layout() else { panic!() };
/// assert_eq!((r.name(), r.size(), r.fields()[1].offset()), ("P", 8, 4));
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordLayout {
    name: &'static str,
    size: usize,
    aligned: bool,
    fields: Vec<FieldLayout>,
}

/// One field of a [`RecordLayout`].
///
/// ```
/// let f = npio::record::FieldLayout::new::<f64>("x", "x", 8);
/// assert_eq!((f.name(), f.offset()), ("x", 8));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldLayout {
    name: &'static str,
    rust_name: &'static str,
    offset: usize,
    layout: Layout,
}

impl FieldLayout {
    /// A field of type `F` named `name` in NumPy (`rust_name` in the struct) at byte `offset`
    /// of the struct.
    ///
    /// ```
    /// let f = npio::record::FieldLayout::new::<[u8; 8]>("tag", "label", 0);
    /// assert_eq!(f.rust_name(), "label");
    /// ```
    #[doc(hidden)] // for the derive's generated code
    pub fn new<F: Field>(name: &'static str, rust_name: &'static str, offset: usize) -> Self {
        FieldLayout {
            name,
            rust_name,
            offset,
            layout: F::layout(),
        }
    }

    /// The NumPy field name.
    ///
    /// ```
    /// assert_eq!(npio::record::FieldLayout::new::<u8>("a", "b", 0).name(), "a");
    /// ```
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The Rust field name.
    ///
    /// ```
    /// assert_eq!(npio::record::FieldLayout::new::<u8>("a", "b", 0).rust_name(), "b");
    /// ```
    pub fn rust_name(&self) -> &'static str {
        self.rust_name
    }

    /// The field's byte offset in the struct.
    ///
    /// ```
    /// assert_eq!(npio::record::FieldLayout::new::<u8>("a", "a", 3).offset(), 3);
    /// ```
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The field type's layout.
    ///
    /// ```
    /// assert_eq!(npio::record::FieldLayout::new::<u8>("a", "a", 0).layout().size(), 1);
    /// ```
    pub fn layout(&self) -> &Layout {
        &self.layout
    }
}

impl RecordLayout {
    /// The layout of record `T` from its fields (in declaration order); `aligned` asks for
    /// NumPy's aligned layout when writing.
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// #[derive(Clone, Copy, npio::Record)]
    /// struct One { v: u16 }
    /// let r = npio::record::RecordLayout::new::<One>(false, vec![npio::record::FieldLayout::new::<u16>("v", "v", 0)]);
    /// assert_eq!(r.fields().len(), 1);
    /// # }
    /// ```
    #[doc(hidden)] // for the derive's generated code
    pub fn new<T: Record>(aligned: bool, fields: Vec<FieldLayout>) -> Self {
        RecordLayout {
            name: T::NAME,
            size: std::mem::size_of::<T>(),
            aligned,
            fields,
        }
    }

    /// The struct's name.
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// # #[derive(Clone, Copy, npio::Record)] struct S { a: u8 }
    /// # let npio::record::Layout::Record(r) = <S as npio::record::Field>::layout() else { panic!() };
    /// assert_eq!(r.name(), "S");
    /// # }
    /// ```
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The struct's size in bytes (Rust's, padding included).
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// # #[derive(Clone, Copy, npio::Record)] struct S { a: u8 }
    /// # let npio::record::Layout::Record(r) = <S as npio::record::Field>::layout() else { panic!() };
    /// assert_eq!(r.size(), 1);
    /// # }
    /// ```
    pub fn size(&self) -> usize {
        self.size
    }

    /// True when the struct asks for NumPy's aligned layout (`#[npio(align)]`).
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// # #[derive(Clone, Copy, npio::Record)] #[npio(align)] struct S { a: u8 }
    /// # let npio::record::Layout::Record(r) = <S as npio::record::Field>::layout() else { panic!() };
    /// assert!(r.is_aligned());
    /// # }
    /// ```
    pub fn is_aligned(&self) -> bool {
        self.aligned
    }

    /// The fields, in declaration order.
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// # #[derive(Clone, Copy, npio::Record)] struct S { a: u8, b: u8 }
    /// # let npio::record::Layout::Record(r) = <S as npio::record::Field>::layout() else { panic!() };
    /// assert_eq!(r.fields()[1].name(), "b");
    /// # }
    /// ```
    pub fn fields(&self) -> &[FieldLayout] {
        &self.fields
    }

    /// The record dtype: packed, or NumPy's aligned layout.
    fn dtype(&self, endian: Endian) -> Result<DType> {
        let mut fields = Vec::with_capacity(self.fields.len());
        let mut offset = 0usize;
        let mut max_align = 1;
        for f in &self.fields {
            let dtype = f.layout.dtype(endian)?;
            let align = if self.aligned {
                f.layout.numpy_alignment()
            } else {
                1
            };
            max_align = max_align.max(align);
            offset = offset.next_multiple_of(align);
            let size = dtype.itemsize();
            fields.push(dtype::RecordField {
                name: f.name.to_string(),
                title: None,
                dtype,
                offset,
            });
            offset += size;
        }
        let itemsize = offset.next_multiple_of(max_align);
        Ok(DType::Record(dtype::RecordType::new(fields, itemsize)?))
    }

    /// NumPy's alignment of this record as a field of an aligned record: the largest field
    /// alignment when aligned itself, 1 when packed.
    fn numpy_alignment(&self) -> usize {
        if !self.aligned {
            return 1;
        }
        self.fields
            .iter()
            .map(|f| f.layout.numpy_alignment())
            .max()
            .unwrap_or(1)
    }
}

impl Layout {
    /// The size in bytes of the Rust type.
    ///
    /// ```
    /// use npio::record::Field;
    /// assert_eq!(<[[u16; 3]; 2]>::layout().size(), 12);
    /// ```
    pub fn size(&self) -> usize {
        match self {
            Layout::Scalar { size, .. } => *size,
            Layout::Array { elem, len } => elem.size() * len,
            Layout::Record(r) => r.size,
        }
    }

    /// The length of the byte string this layout is (`[u8; N]`, `N > 0`), if it is one.
    pub(crate) fn byte_string(&self) -> Option<usize> {
        match self {
            Layout::Array { elem, len } if *len > 0 => match **elem {
                Layout::Scalar {
                    kind: ScalarKind::UInt,
                    size: 1,
                } => Some(*len),
                _ => None,
            },
            _ => None,
        }
    }

    /// The sub-array shape (nested arrays flattened, as NumPy does) and the base layout.
    pub(crate) fn split(&self) -> (Vec<usize>, &Layout) {
        let mut dims = Vec::new();
        let mut at = self;
        while let Layout::Array { elem, len } = at {
            if at.byte_string().is_some() {
                break;
            }
            dims.push(*len);
            at = elem;
        }
        (dims, at)
    }

    /// The dtype of a base layout (not an array, or a byte string).
    fn base_dtype(&self, endian: Endian) -> Result<DType> {
        if let Some(n) = self.byte_string() {
            return Ok(DType::Scalar(Scalar::new(ScalarKind::Bytes, endian, n)?));
        }
        match self {
            Layout::Scalar { kind, size } => Ok(DType::Scalar(Scalar::new(*kind, endian, *size)?)),
            Layout::Record(r) => r.dtype(endian),
            Layout::Array { .. } => self.dtype(endian),
        }
    }

    /// The dtype this layout is written as, in byte order `endian`.
    ///
    /// ```
    /// use npio::record::Field;
    /// assert_eq!(<[f32; 2]>::layout().dtype(npio::dtype::Endian::Big).unwrap().descr_repr(), "('>f4', (2,))");
    /// assert_eq!(<[u8; 5]>::layout().dtype(npio::dtype::Endian::Big).unwrap().descr_repr(), "'|S5'");
    /// ```
    pub fn dtype(&self, endian: Endian) -> Result<DType> {
        let (dims, base) = self.split();
        let base = base.base_dtype(endian)?;
        if dims.is_empty() {
            Ok(base)
        } else {
            DType::sub_array(base, dims)
        }
    }

    /// NumPy's alignment of a field of this type in an aligned record.
    fn numpy_alignment(&self) -> usize {
        if self.byte_string().is_some() {
            return 1;
        }
        match self {
            Layout::Scalar {
                kind: ScalarKind::Complex,
                size,
            } => size / 2,
            Layout::Scalar { size, .. } => *size,
            Layout::Array { elem, .. } => elem.numpy_alignment(),
            Layout::Record(r) => r.numpy_alignment(),
        }
    }
}
