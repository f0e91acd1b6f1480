//! Decoding `.npy` data of any dtype into a [`DynArray`].

use std::io::Read;

use ndarray::ArrayD;

use super::array::DynArray;
use crate::codec::{element_table, shape_vec, ArrayData, DataReader, Element, RawArray};
use crate::dtype::ScalarKind;
use crate::error::Result;
use crate::header::Header;

fn read_typed<T: Element, R: Read>(
    data: &mut DataReader<'_, R>,
    header: &Header,
    count: usize,
) -> Result<ArrayD<T>> {
    let plan = T::read_plan(&header.dtype)?;
    shape_vec(header, T::read_vec(data, count, &plan)?)
}

macro_rules! decode_typed {
    (($data:ident, $header:ident, $count:ident, $R:ident, $raw:expr) $(
        [$impl:ident] $ty:ty, $name:literal => $v:ident($kind:ident, $size:literal, swap $swap:literal)
        $( + $av:ident($akind:pat) $adoc:literal )*;
    )*) => {
        match $header.dtype.as_scalar().map(|s| (s.kind(), s.size())) {
            $(
                Some((ScalarKind::$kind, $size)) => ArrayData::$v(read_typed::<$ty, $R>($data, $header, $count)?),
                $( Some(($akind, $size)) => ArrayData::$av(read_typed::<$ty, $R>($data, $header, $count)?), )*
            )*
            // No Rust type (strings, void, records, long doubles): the bytes as they are.
            _ => $raw,
        }
    };
}

/// Decodes the data of any dtype: a typed array for the types of the element table
/// (`codec/table.rs`), exact bytes for the rest.
pub(crate) fn read_dyn_data<R: Read>(
    data: &mut DataReader<'_, R>,
    header: &Header,
    count: usize,
) -> Result<ArrayData> {
    Ok(element_table!(decode_typed; data, header, count, R, {
        let nbytes = header.data_len()?;
        // Record and void bytes are carried as they are: NumPy writes and loads records whose
        // bool fields hold any byte, so only a typed bool result checks them.
        let bytes = data.read_pod_vec::<u8>(nbytes)?;
        ArrayData::Raw(RawArray::new(
            header.shape.clone(),
            header.fortran_order,
            bytes,
            header.dtype.itemsize(),
        )?)
    }))
}

/// Decodes array data held in memory (in the header's memory order) into a [`DynArray`],
/// through the same path as reading a file.
pub(crate) fn decode(header: &Header, bytes: &[u8]) -> Result<DynArray> {
    header.dtype.check_no_object()?;
    let mut source = bytes;
    let mut data = DataReader::new(&mut source, 0, Some(bytes.len() as u64));
    let values = read_dyn_data(&mut data, header, header.element_count()?)?;
    data.check_end(false)?;
    DynArray::new(header.dtype.clone(), values)
}
