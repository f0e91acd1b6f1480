//! Decoding `.npy` data of any dtype into a [`DynArray`].

use std::io::Read;

use ndarray::ArrayD;

use super::array::DynArray;
use crate::codec::{shape_vec, ArrayData, DataReader, Element, RawArray};
use crate::dtype::{DType, ScalarKind};
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

pub(crate) fn read_dyn_data<R: Read>(
    data: &mut DataReader<'_, R>,
    header: &Header,
    count: usize,
) -> Result<ArrayData> {
    use half::f16;
    use num_complex::Complex;
    let scalar = match &header.dtype {
        DType::Scalar(s) => Some((s.kind(), s.size())),
        _ => None,
    };
    Ok(match scalar {
        Some((ScalarKind::Bool, _)) => ArrayData::Bool(read_typed(data, header, count)?),
        Some((ScalarKind::Int, 1)) => ArrayData::Int8(read_typed(data, header, count)?),
        Some((ScalarKind::Int, 2)) => ArrayData::Int16(read_typed(data, header, count)?),
        Some((ScalarKind::Int, 4)) => ArrayData::Int32(read_typed(data, header, count)?),
        Some((ScalarKind::Int, 8)) => ArrayData::Int64(read_typed(data, header, count)?),
        Some((ScalarKind::UInt, 1)) => ArrayData::UInt8(read_typed(data, header, count)?),
        Some((ScalarKind::UInt, 2)) => ArrayData::UInt16(read_typed(data, header, count)?),
        Some((ScalarKind::UInt, 4)) => ArrayData::UInt32(read_typed(data, header, count)?),
        Some((ScalarKind::UInt, 8)) => ArrayData::UInt64(read_typed(data, header, count)?),
        Some((ScalarKind::Float, 2)) => {
            ArrayData::Float16(read_typed::<f16, R>(data, header, count)?)
        }
        Some((ScalarKind::Float, 4)) => ArrayData::Float32(read_typed(data, header, count)?),
        Some((ScalarKind::Float, 8)) => ArrayData::Float64(read_typed(data, header, count)?),
        Some((ScalarKind::Complex, 8)) => {
            ArrayData::Complex64(read_typed::<Complex<f32>, R>(data, header, count)?)
        }
        Some((ScalarKind::Complex, 16)) => {
            ArrayData::Complex128(read_typed::<Complex<f64>, R>(data, header, count)?)
        }
        Some((ScalarKind::DateTime { .. }, _)) => {
            ArrayData::DateTime64(read_typed(data, header, count)?)
        }
        Some((ScalarKind::TimeDelta { .. }, _)) => {
            ArrayData::TimeDelta64(read_typed(data, header, count)?)
        }
        _ => {
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
        }
    })
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
