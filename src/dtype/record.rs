//! Record (structured) dtypes: named fields at offsets.

use super::subarray::shape_literal;
use super::{check_depth, DType};
use crate::error::{Error, Result};
use crate::format::literal::Literal;

/// One named field of a record dtype.
///
/// ```
/// let dt = npio::DType::parse("[(('Title', 'x'), '<i4')]").unwrap();
/// let f = &dt.as_record().unwrap().fields()[0];
/// assert_eq!((f.name.as_str(), f.title.as_deref(), f.offset), ("x", Some("Title"), 0));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RecordField {
    /// The field name (any text, possibly empty).
    pub name: String,
    /// The optional title (NumPy's `(title, name)` form).
    pub title: Option<String>,
    /// The field's dtype (a sub-array for fields with a shape).
    pub dtype: DType,
    /// Byte offset of the field inside one record.
    pub offset: usize,
}

/// A structured (record) dtype: fields at increasing offsets, and a total item size that may
/// include padding.
///
/// ```
/// use npio::{dtype::RecordType, DType};
/// let rec = RecordType::packed(vec![("a".into(), DType::parse("|u1").unwrap()), ("b".into(), DType::parse("<i4").unwrap())]).unwrap();
/// assert_eq!(DType::Record(rec).descr_repr(), "[('a', '|u1'), ('b', '<i4')]");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RecordType {
    pub(super) fields: Vec<RecordField>,
    pub(super) itemsize: usize,
    /// How deeply the descr literal nests (see [`DType::literal_depth`]).
    pub(super) depth: usize,
}

impl RecordType {
    /// A record from fields with explicit offsets and item size.
    ///
    /// Fields must not overlap, must come in increasing offset order and fit in `itemsize`
    /// (NumPy cannot save other layouts); names and titles must be unique.
    ///
    /// ```
    /// use npio::{dtype::{RecordField, RecordType}, DType};
    /// let f = RecordField { name: "b".into(), title: None, dtype: DType::parse("<i4").unwrap(), offset: 4 };
    /// let rec = RecordType::new(vec![f], 12).unwrap();
    /// assert_eq!(DType::Record(rec).descr_repr(), "[('', '|V4'), ('b', '<i4'), ('', '|V4')]");
    /// ```
    pub fn new(fields: Vec<RecordField>, itemsize: usize) -> Result<RecordType> {
        let mut end = 0usize;
        let mut seen = std::collections::HashSet::new();
        for f in &fields {
            let invalid = |reason: String| Error::InvalidDescr {
                descr: format!("field {:?}", f.name),
                reason,
            };
            if f.offset < end {
                return Err(invalid("fields overlap or are out of order".into()));
            }
            end = f
                .offset
                .checked_add(f.dtype.itemsize())
                .ok_or_else(|| invalid("offset overflows".into()))?;
            for key in std::iter::once(&f.name).chain(f.title.as_ref()) {
                if !seen.insert(key.clone()) {
                    return Err(invalid(format!(
                        "name {key:?} is used twice as a field name or title"
                    )));
                }
            }
        }
        if end > itemsize {
            return Err(Error::InvalidDescr {
                descr: format!("record of itemsize {itemsize}"),
                reason: format!("fields need {end} bytes"),
            });
        }
        // The list, each field's tuple, then the field's own literal (a sub-array field writes
        // its base and shape tuple into the field's tuple; a title makes a tuple too).
        let inner = fields
            .iter()
            .map(|f| match &f.dtype {
                DType::SubArray(sub) => sub.base().literal_depth().max(1),
                other => other.literal_depth().max(usize::from(f.title.is_some())),
            })
            .max()
            .unwrap_or(0);
        let depth = check_depth(2 + inner, "record")?;
        Ok(RecordType {
            fields,
            itemsize,
            depth,
        })
    }

    /// A packed record (no padding) from names and dtypes, like `np.dtype([(name, type), ...])`.
    ///
    /// ```
    /// let rec = npio::dtype::RecordType::packed(vec![("x".into(), npio::DType::parse("<f8").unwrap())]).unwrap();
    /// assert_eq!(rec.itemsize(), 8);
    /// ```
    pub fn packed(fields: Vec<(String, DType)>) -> Result<RecordType> {
        let mut offset = 0usize;
        let mut out = Vec::with_capacity(fields.len());
        for (name, dtype) in fields {
            let size = dtype.itemsize();
            out.push(RecordField {
                name,
                title: None,
                dtype,
                offset,
            });
            offset = offset
                .checked_add(size)
                .ok_or_else(|| Error::InvalidDescr {
                    descr: "record".into(),
                    reason: "item size overflows".into(),
                })?;
        }
        RecordType::new(out, offset)
    }

    /// The fields, in offset order.
    ///
    /// ```
    /// let dt = npio::DType::parse("[('a', '<i2'), ('b', '<i2')]").unwrap();
    /// assert_eq!(dt.as_record().unwrap().fields().len(), 2);
    /// ```
    pub fn fields(&self) -> &[RecordField] {
        &self.fields
    }

    /// The size of one record in bytes, padding included.
    ///
    /// ```
    /// let dt = npio::DType::parse("[('a', '<i2'), ('', '|V6')]").unwrap();
    /// assert_eq!(dt.as_record().unwrap().itemsize(), 8);
    /// ```
    pub fn itemsize(&self) -> usize {
        self.itemsize
    }

    /// The field with this name (or title).
    ///
    /// ```
    /// let dt = npio::DType::parse("[('a', '<i2'), ('b', '<f4')]").unwrap();
    /// assert_eq!(dt.as_record().unwrap().field("b").unwrap().offset, 2);
    /// ```
    pub fn field(&self, name: &str) -> Option<&RecordField> {
        self.fields.iter().find(|f| f.name == name).or_else(|| {
            self.fields
                .iter()
                .find(|f| f.title.as_deref() == Some(name))
        })
    }

    /// NumPy's `dtype.descr` list: fields, with `('', '|V<n>')` for gaps and trailing padding.
    pub(super) fn to_literal(&self) -> Literal {
        let mut out = Vec::new();
        let mut offset = 0usize;
        let pad = |n: usize| {
            Literal::Tuple(vec![
                Literal::Str(String::new()),
                Literal::Str(format!("|V{n}")),
            ])
        };
        for f in &self.fields {
            if f.offset > offset {
                out.push(pad(f.offset - offset));
                offset = f.offset;
            }
            let name = match &f.title {
                Some(t) => {
                    Literal::Tuple(vec![Literal::Str(t.clone()), Literal::Str(f.name.clone())])
                }
                None => Literal::Str(f.name.clone()),
            };
            out.push(match &f.dtype {
                DType::SubArray(sub) => Literal::Tuple(vec![
                    name,
                    sub.base().to_literal(),
                    shape_literal(sub.shape()),
                ]),
                other => Literal::Tuple(vec![name, other.to_literal()]),
            });
            offset += f.dtype.itemsize();
        }
        if self.itemsize > offset {
            out.push(pad(self.itemsize - offset));
        }
        Literal::List(out)
    }
}
