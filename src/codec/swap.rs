//! Byte swapping: whole buffers of one element type, and items of any dtype by their plan.

use bytemuck::Pod;

use crate::dtype::{DType, SwapUnit};

/// Reverses the byte order of every `width`-byte unit of `data` in place.
///
/// `width` must divide `size_of::<T>()` and `T` must be aligned to `width`, as for every
/// element type here (the width is the size of one real component).
pub(crate) fn swap_in_place<T: Pod>(data: &mut [T], width: usize) {
    match width {
        1 => {}
        2 => bytemuck::cast_slice_mut::<T, u16>(data)
            .iter_mut()
            .for_each(|x| *x = x.swap_bytes()),
        4 => bytemuck::cast_slice_mut::<T, u32>(data)
            .iter_mut()
            .for_each(|x| *x = x.swap_bytes()),
        8 => bytemuck::cast_slice_mut::<T, u64>(data)
            .iter_mut()
            .for_each(|x| *x = x.swap_bytes()),
        w => bytemuck::cast_slice_mut::<T, u8>(data)
            .chunks_exact_mut(w)
            .for_each(|c| c.reverse()),
    }
}

/// The values inside one item that must be byte-reversed to turn data of dtype `from` into
/// data of dtype `to` (the same dtype in other byte orders).
pub(crate) fn swap_plan(from: &DType, to: &DType) -> Vec<SwapUnit> {
    from.swap_units()
        .into_iter()
        .zip(to.swap_units())
        .filter(|(a, b)| a.endian != b.endian)
        .map(|(a, _)| a)
        .collect()
}

/// Applies a [`swap_plan`] to every whole item in `buf`.
pub(crate) fn apply_swaps(buf: &mut [u8], itemsize: usize, swaps: &[SwapUnit]) {
    if swaps.is_empty() || itemsize == 0 {
        return;
    }
    for item in buf.chunks_exact_mut(itemsize) {
        for unit in swaps {
            unit.for_each_offset(|offset| item[offset..offset + unit.width].reverse());
        }
    }
}
