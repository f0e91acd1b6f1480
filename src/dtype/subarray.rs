//! Sub-array dtypes: a base dtype repeated in a fixed shape.

use super::{check_depth, DType};
use crate::error::{Error, Result};
use crate::format::literal::Literal;

/// A fixed-shape sub-array of a base dtype: a record field with a shape
/// (`('c', '<f8', (2, 5))`). The base may itself be a sub-array: NumPy keeps
/// `('c', ('<f8', (5,)), (2,))` nested, and so does npio (same bytes, but another dtype).
///
/// Built only through [`SubArray::new`], which checks the size, so every method is total.
///
/// ```
/// use npio::{dtype::SubArray, DType};
/// let inner = SubArray::new(DType::parse("<f8").unwrap(), vec![5]).unwrap();
/// let outer = SubArray::new(DType::SubArray(inner), vec![2]).unwrap();
/// assert_eq!(outer.itemsize(), 80);
/// assert_eq!(outer.element_shape(), (vec![2, 5], &DType::parse("<f8").unwrap()));
/// assert_eq!(DType::SubArray(outer).descr_repr(), "(('<f8', (5,)), (2,))");
/// assert!(SubArray::new(DType::parse("<i8").unwrap(), vec![usize::MAX / 2, 4]).is_err());
/// assert!(SubArray::new(DType::parse("|V0").unwrap(), vec![1 << 40, 1 << 40]).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SubArray {
    base: Box<DType>,
    shape: Vec<usize>,
    itemsize: usize,
    /// How deeply the descr literal nests (see [`DType::literal_depth`]).
    depth: usize,
}

impl SubArray {
    /// A sub-array of `shape` (at least one axis) over `base`. Fails with
    /// [`Error::InvalidDescr`] when the shape is empty or the item size does not fit in an
    /// `isize` (NumPy's limit).
    ///
    /// ```
    /// let s = npio::dtype::SubArray::new(npio::DType::parse("<i4").unwrap(), vec![2, 3]).unwrap();
    /// assert_eq!((s.shape(), s.itemsize()), (&[2usize, 3][..], 24));
    /// assert!(npio::dtype::SubArray::new(npio::DType::parse("<i4").unwrap(), vec![]).is_err());
    /// ```
    pub fn new(base: DType, shape: Vec<usize>) -> Result<SubArray> {
        let invalid = |reason: &str| Error::InvalidDescr {
            descr: format!("sub-array of shape {shape:?}"),
            reason: reason.into(),
        };
        if shape.is_empty() {
            return Err(invalid("a sub-array needs at least one axis"));
        }
        // The element count must fit too, even over a zero-size base (`|V0`).
        let count = shape
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d))
            .filter(|&n| n <= isize::MAX as usize)
            .ok_or_else(|| invalid("element count overflows"))?;
        let itemsize = count
            .checked_mul(base.itemsize())
            .filter(|&n| n <= isize::MAX as usize)
            .ok_or_else(|| invalid("item size overflows"))?;
        let depth = check_depth(1 + base.literal_depth().max(1), "sub-array")?;
        Ok(SubArray {
            base: Box::new(base),
            shape,
            itemsize,
            depth,
        })
    }

    /// The base dtype (possibly a sub-array itself).
    ///
    /// ```
    /// let dt = npio::DType::parse("('<u2', (3,))").unwrap();
    /// let npio::DType::SubArray(s) = &dt else { unreachable!() };
    /// assert_eq!(s.base().descr_repr(), "'<u2'");
    /// ```
    pub fn base(&self) -> &DType {
        &self.base
    }

    /// This level's shape.
    ///
    /// ```
    /// let dt = npio::DType::parse("(('<u2', (3,)), (2,))").unwrap();
    /// let npio::DType::SubArray(s) = &dt else { unreachable!() };
    /// assert_eq!(s.shape(), &[2]);
    /// ```
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The size of the whole sub-array in bytes.
    ///
    /// ```
    /// let dt = npio::DType::parse("('<u2', (3,))").unwrap();
    /// assert_eq!(dt.itemsize(), 6);
    /// ```
    pub fn itemsize(&self) -> usize {
        self.itemsize
    }

    /// The shape of all levels together (outer axes first) and the innermost base that is
    /// not a sub-array: how the data is laid out.
    ///
    /// ```
    /// let dt = npio::DType::parse("(('<u2', (3,)), (2,))").unwrap();
    /// let npio::DType::SubArray(s) = &dt else { unreachable!() };
    /// assert_eq!(s.element_shape().0, vec![2, 3]);
    /// ```
    pub fn element_shape(&self) -> (Vec<usize>, &DType) {
        let mut shape = self.shape.clone();
        let mut base = &*self.base;
        while let DType::SubArray(inner) = base {
            shape.extend_from_slice(&inner.shape);
            base = &inner.base;
        }
        (shape, base)
    }

    /// The same shape over another base of the same item size (a byte-order change).
    pub(crate) fn with_base(&self, base: DType) -> SubArray {
        debug_assert_eq!(base.itemsize(), self.base.itemsize());
        SubArray {
            base: Box::new(base),
            ..self.clone()
        }
    }

    /// How deeply the descr literal nests.
    pub(crate) fn depth(&self) -> usize {
        self.depth
    }

    /// The number of base elements (this level only).
    pub(crate) fn count(&self) -> usize {
        self.shape.iter().product()
    }

    /// `(base, shape)` as NumPy's descr writes it.
    pub(crate) fn to_literal(&self) -> Literal {
        Literal::Tuple(vec![self.base.to_literal(), shape_literal(&self.shape)])
    }
}

/// A shape as a Python tuple literal.
pub(crate) fn shape_literal(shape: &[usize]) -> Literal {
    Literal::Tuple(shape.iter().map(|&d| Literal::Int(d as i128)).collect())
}
