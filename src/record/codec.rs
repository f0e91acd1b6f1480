//! Records (and datetimes) as elements: running a [`FieldMap`] over whole buffers.
//!
//! Reading: when the file's items are the Rust values' bytes exactly, the data is read straight
//! into the result (as for numbers, in parallel for large files) and only bool bytes are
//! checked; otherwise items are read a block at a time and each value is assembled by the
//! plan's copies. Writing runs the copies the other way into a zeroed buffer, so padding and
//! gaps are written as zeros, as in an array NumPy creates.

#![allow(unsafe_code)]

use std::io::{Read, Write};
use std::mem::{size_of, MaybeUninit};

use ndarray::{ArrayD, ArrayView1, IxDyn, ShapeBuilder};

use super::plan::{plan, FieldMap};
use super::time::{Datetime64, Timedelta64, Unit};
use super::{Field, Record};
use crate::codec::fill::advise_huge_pages;
use crate::codec::{
    numpy_fortran_order, ArrayData, CastError, Codec, DataReader, Element, RawArray,
};
use crate::dtype::{DType, Endian};
use crate::error::{Error, Result};
use crate::header::fortran_flag;

/// Bytes of file data decoded or encoded per block.
const BLOCK_BYTES: usize = 1 << 18;

/// The dtype of field type `T` in byte order `endian`.
fn field_dtype<T: Field>(endian: Endian) -> DType {
    // Cannot fail for a type Field's contract allows: sizes come from Rust types, names are
    // unique and the depth is bounded (the derive checks both when the struct compiles).
    T::layout()
        .dtype(endian)
        .expect("a record layout always has a dtype (npio::record::Field's contract)")
}

/// Copies `len` bytes, reversing each `swap`-byte unit on the way (0: no swap).
///
/// # Safety
///
/// `from` must be valid for reading and `to` for writing `len` bytes; the ranges must not
/// overlap; `len` must be a multiple of `swap` when `swap` is not 0.
#[inline(always)]
unsafe fn copy_swapped(from: *const u8, to: *mut u8, len: usize, swap: usize) {
    // SAFETY: the caller guarantees both ranges hold `len` bytes.
    unsafe { std::ptr::copy_nonoverlapping(from, to, len) };
    if swap > 1 {
        // SAFETY: as above; the destination range is then reversed unit by unit.
        let out = unsafe { std::slice::from_raw_parts_mut(to, len) };
        out.chunks_exact_mut(swap).for_each(<[u8]>::reverse);
    }
}

/// Which way a plan's copies run.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    /// File items to Rust values.
    Read,
    /// Rust values to file items.
    Write,
}

/// Runs the plan's copies for `n` items: one pass per copy over all items (a tight loop of
/// one size and swap each), `from_stride` and `to_stride` bytes apart.
///
/// # Safety
///
/// `from` must be valid for reading `n` items of `from_stride` bytes and `to` for writing `n`
/// of `to_stride` bytes, not overlapping; the plan's copies must lie inside one item on each
/// side (`plan` checks this when it is built).
unsafe fn run_copies(
    plan: &FieldMap,
    dir: Direction,
    from: *const u8,
    from_stride: usize,
    to: *mut u8,
    to_stride: usize,
    n: usize,
) {
    for op in &plan.ops {
        let (src_off, dst_off) = match dir {
            Direction::Read => (op.file, op.rust),
            Direction::Write => (op.rust, op.file),
        };
        macro_rules! each {
            (|$f:ident, $t:ident| $body:expr) => {
                for k in 0..n {
                    // SAFETY: item k's copy lies inside item k on both sides (the contract).
                    let ($f, $t) = unsafe {
                        (
                            from.add(k * from_stride + src_off),
                            to.add(k * to_stride + dst_off),
                        )
                    };
                    // SAFETY: as above, for the copy's length.
                    unsafe { $body };
                }
            };
        }
        macro_rules! unit {
            ($t:ty, $swap:expr) => {
                each!(|f, t| {
                    let v = (f as *const $t).read_unaligned();
                    (t as *mut $t).write_unaligned(if $swap { v.swap_bytes() } else { v })
                })
            };
        }
        // Several values of one width, each swapped (merged neighbours, sub-arrays).
        macro_rules! units {
            ($t:ty, $len:expr) => {
                each!(|f, t| {
                    for u in 0..$len / size_of::<$t>() {
                        let v = (f as *const $t).add(u).read_unaligned();
                        (t as *mut $t).add(u).write_unaligned(v.swap_bytes());
                    }
                })
            };
        }
        match (op.len, op.swap) {
            (1, _) => each!(|f, t| *t = *f),
            (2, 0) => unit!(u16, false),
            (2, 2) => unit!(u16, true),
            (4, 0) => unit!(u32, false),
            (4, 4) => unit!(u32, true),
            (8, 0) => unit!(u64, false),
            (8, 8) => unit!(u64, true),
            (16, 0) => unit!(u128, false),
            (16, 16) => unit!(u128, true),
            (len, 2) => units!(u16, len),
            (len, 4) => units!(u32, len),
            (len, 8) => units!(u64, len),
            (len, swap) => each!(|f, t| copy_swapped(f, t, len, swap)),
        }
    }
}

/// Index (in `items`) of the first bool byte that is not 0 or 1, checking each item at the
/// given offsets.
fn first_bad_bool(
    items: &[u8],
    itemsize: usize,
    ranges: &[std::ops::Range<usize>],
) -> Option<usize> {
    if ranges.is_empty() || itemsize == 0 {
        return None;
    }
    for (i, item) in items.chunks_exact(itemsize).enumerate() {
        for r in ranges {
            if let Some(at) = item[r.clone()].iter().position(|&b| b > 1) {
                return Some(i * itemsize + r.start + at);
            }
        }
    }
    None
}

/// Appends the values of the whole items in `src` to `out`; `Err(index)` names the byte of a
/// bad bool in `src` (nothing is appended then).
fn decode_append<T: Field>(
    plan: &FieldMap,
    src: &[u8],
    out: &mut Vec<T>,
) -> std::result::Result<(), usize> {
    let isz = plan.file_itemsize;
    let file_bools: Vec<_> = plan
        .ops
        .iter()
        .filter(|op| op.bools)
        .map(|op| op.file..op.file + op.len)
        .collect();
    if let Some(bad) = first_bad_bool(src, isz, &file_bools) {
        return Err(bad);
    }
    let n = src.len().checked_div(isz).unwrap_or(0);
    out.reserve(n);
    let spare: &mut [MaybeUninit<T>] = &mut out.spare_capacity_mut()[..n];
    // SAFETY: `src` holds `n` file items, `spare` room for `n` values; `plan` checked every
    // copy to lie inside one item of each.
    unsafe {
        run_copies(
            plan,
            Direction::Read,
            src.as_ptr(),
            isz,
            spare.as_mut_ptr() as *mut u8,
            size_of::<T>(),
            n,
        )
    };
    // SAFETY: the copies wrote every value inside each of the `n` new slots (a plan covers
    // all of `T` but its padding, Field's contract), bools were checked above, and all other
    // bit patterns are valid.
    unsafe { out.set_len(out.len() + n) };
    Ok(())
}

/// Writes the file bytes of `values` into `out` (whole items, zeroed where no copy writes).
fn encode_into<T: Field>(plan: &FieldMap, values: &[T], out: &mut [u8]) {
    let n = values.len().min(out.len() / plan.file_itemsize.max(1));
    // SAFETY: the copies read values inside `values` (initialised: a plan never covers
    // padding) and write inside `out`'s first `n` items; plan checked both bounds.
    unsafe {
        run_copies(
            plan,
            Direction::Write,
            values.as_ptr() as *const u8,
            size_of::<T>(),
            out.as_mut_ptr(),
            plan.file_itemsize,
            n,
        )
    };
}

/// Values encoded per block.
fn block_values(plan: &FieldMap) -> usize {
    (BLOCK_BYTES / plan.file_itemsize.max(1)).max(1)
}

/// Writes blocks of values through a reused zeroed buffer of whole items.
fn write_blocks<'v, T: Field + 'v, W: Write + ?Sized>(
    writer: &mut W,
    plan: &FieldMap,
    blocks: impl Iterator<Item = &'v [T]>,
) -> std::io::Result<()> {
    let isz = plan.file_itemsize;
    let mut buf = vec![0u8; block_values(plan) * isz];
    for block in blocks {
        let bytes = &mut buf[..block.len() * isz];
        encode_into(plan, block, bytes);
        writer.write_all(bytes)?;
    }
    Ok(())
}

/// Writes values in iteration order, gathered a block at a time.
fn write_values<'v, T: Field + 'v, W: Write + ?Sized>(
    writer: &mut W,
    plan: &FieldMap,
    mut values: impl Iterator<Item = &'v T>,
) -> std::io::Result<()> {
    let per_block = block_values(plan);
    let mut gathered: Vec<T> = Vec::with_capacity(per_block);
    loop {
        gathered.clear();
        gathered.extend(values.by_ref().take(per_block).copied());
        if gathered.is_empty() {
            return Ok(());
        }
        write_blocks(writer, plan, std::iter::once(&gathered[..]))?;
    }
}

/// The bytes of values whose file layout is their memory layout, without padding.
fn value_bytes<'v, T: Field>(plan: &FieldMap, values: &'v [T]) -> Option<&'v [u8]> {
    if !plan.is_identity() || plan.padded {
        return None;
    }
    // SAFETY: `T` has no padding (the plan covers all of its bytes), so every byte of the
    // slice is initialised; u8 has no alignment requirement.
    Some(unsafe { std::slice::from_raw_parts(values.as_ptr() as *const u8, size_of_val(values)) })
}

/// `count` zeroed values (all-zero bytes are a valid `T`, Field's contract); large ones on
/// fresh zero pages.
fn zeroed_values<T: Field>(count: usize) -> Result<Vec<T>> {
    let overflow = || Error::SizeOverflow {
        shape: vec![count as u64],
        itemsize: size_of::<T>() as u64,
    };
    let bytes = count.checked_mul(size_of::<T>()).ok_or_else(overflow)?;
    if bytes > isize::MAX as usize {
        return Err(overflow());
    }
    if bytes == 0 {
        // Zero values; a zero-sized record type is refused when it is derived.
        return if count == 0 {
            Ok(Vec::new())
        } else {
            Err(Error::InvalidArgument {
                argument: "record layout",
                reason: "a record type without data".into(),
            })
        };
    }
    let layout = std::alloc::Layout::array::<T>(count).map_err(|_| overflow())?;
    // SAFETY: `layout` has a non-zero size (checked above).
    let ptr = unsafe { std::alloc::alloc_zeroed(layout) } as *mut T;
    if ptr.is_null() {
        std::alloc::handle_alloc_error(layout);
    }
    // SAFETY: `ptr` comes from the global allocator with the layout of `count` values of `T`
    // (as a Vec allocates them) and is zero-filled, so its bytes are initialised.
    advise_huge_pages(unsafe { std::slice::from_raw_parts_mut(ptr as *mut u8, bytes) });
    // SAFETY: as above; all-zero bytes are a valid `T`.
    Ok(unsafe { Vec::from_raw_parts(ptr, count, count) })
}

fn read_values<T: Field, R: Read>(
    source: &mut DataReader<'_, R>,
    count: usize,
    plan: &FieldMap,
) -> Result<Vec<T>> {
    let isz = plan.file_itemsize;
    let total = count.checked_mul(isz).ok_or(Error::SizeOverflow {
        shape: vec![count as u64],
        itemsize: isz as u64,
    })?;
    if isz == 0 && size_of::<T>() != 0 {
        return Err(Error::InvalidArgument {
            argument: "record layout",
            reason: "a value with data matched items without data".into(),
        });
    }
    let start = source.data_offset() + source.consumed();
    if plan.is_identity() && source.len_known() {
        source.check_claim_from_here(total as u64)?;
        let mut values = zeroed_values::<T>(count)?;
        // SAFETY: the values' bytes are initialised (zeroed) and borrowed mutably here; bytes
        // written into them are checked below (bools) before any value is read, and all other
        // bit patterns are valid.
        let bytes =
            unsafe { std::slice::from_raw_parts_mut(values.as_mut_ptr() as *mut u8, total) };
        source.fill_exact(bytes, isz.max(1), None)?;
        let bools: Vec<_> = plan.bool_ranges().collect();
        if let Some(bad) = first_bad_bool(bytes, isz, &bools) {
            let value = bytes[bad];
            // Forget the values without reading them: one holds an invalid bool.
            // SAFETY: no element is dropped or read (T: Copy has no drop glue).
            unsafe { values.set_len(0) };
            return Err(Error::InvalidBool {
                offset: start + bad as u64,
                value,
            });
        }
        return Ok(values);
    }
    source.check_claim_from_here(total as u64)?;
    let mut out: Vec<T> = if source.len_known() {
        // The claim was checked against the real length: allocate once, on fresh pages.
        let mut out = zeroed_values::<T>(count)?;
        // SAFETY: shortening a Vec of Copy values; the zeroed room is then filled in order.
        unsafe { out.set_len(0) };
        out
    } else {
        Vec::new()
    };
    let per_block = (BLOCK_BYTES / isz.max(1)).max(1);
    let mut buf = Vec::new();
    let mut done = 0;
    while done < count {
        let n = per_block.min(count - done);
        let before = source.data_offset() + source.consumed();
        source.read_chunk(&mut buf, n * isz, total as u64)?;
        decode_append(plan, &buf, &mut out).map_err(|bad| Error::InvalidBool {
            offset: before + bad as u64,
            value: buf[bad],
        })?;
        done += n;
    }
    Ok(out)
}

/// Zero-copy: the bytes as values when aligned, whole, and with valid bools.
fn cast_values<T: Field>(bytes: &[u8]) -> std::result::Result<&[T], CastError> {
    let size = size_of::<T>();
    if size == 0
        || !bytes.len().is_multiple_of(size)
        || !(bytes.as_ptr() as usize).is_multiple_of(align_of::<T>())
    {
        return Err(CastError::Misaligned);
    }
    let bools = bool_ranges::<T>();
    if let Some(bad) = first_bad_bool(bytes, size, &bools) {
        return Err(CastError::BadBool(bad));
    }
    // SAFETY: aligned, a whole number of values, every bool checked; every other bit pattern
    // is valid (Field's contract); the borrow of `bytes` is carried over.
    Ok(unsafe { std::slice::from_raw_parts(bytes.as_ptr() as *const T, bytes.len() / size) })
}

fn cast_values_mut<T: Field>(bytes: &mut [u8]) -> std::result::Result<&mut [T], CastError> {
    let len = cast_values::<T>(bytes)?.len();
    // SAFETY: as in `cast_values`, with the exclusive borrow of `bytes` carried over. Values
    // written through the slice may leave padding undefined, so `zero_copy` allows mutable
    // views only of types without padding.
    Ok(unsafe { std::slice::from_raw_parts_mut(bytes.as_mut_ptr() as *mut T, len) })
}

/// Offsets of the bool bytes inside a `T`.
fn bool_ranges<T: Field>() -> Vec<std::ops::Range<usize>> {
    let layout = T::layout();
    let native = field_dtype::<T>(Endian::NATIVE);
    match plan("", &layout, &native, false) {
        Ok(p) => p.bool_ranges().collect(),
        Err(_) => Vec::new(),
    }
}

fn zero_copy(plan: &FieldMap, name: &str, mutable: bool) -> std::result::Result<(), String> {
    if let Some(reason) = &plan.differs {
        return Err(reason.clone());
    }
    if mutable && plan.padded {
        return Err(format!(
            "{name} has padding bytes, which writes through a view would leave undefined; \
             use a layout without padding or read a copy"
        ));
    }
    Ok(())
}

/// Encodes an array (in the memory order NumPy would save it) with `plan`.
fn encode_array<T: Field>(array: &ArrayD<T>, plan: &FieldMap) -> (Vec<u8>, bool) {
    let fortran = numpy_fortran_order(array);
    let view = if fortran { array.t() } else { array.view() };
    let values: Vec<T> = view.iter().copied().collect();
    let mut bytes = vec![0u8; values.len() * plan.file_itemsize];
    encode_into(plan, &values, &mut bytes);
    (bytes, fortran)
}

/// Decodes a dynamic array's raw items of `dtype` into values of `T`.
fn decode_raw<T: Element + Field>(raw: &RawArray, plan: &FieldMap) -> Result<ArrayD<T>> {
    let mut values = Vec::new();
    decode_append(plan, &raw.bytes, &mut values).map_err(|bad| Error::InvalidBool {
        offset: bad as u64,
        value: raw.bytes[bad],
    })?;
    let shape = IxDyn(&raw.shape).set_f(raw.fortran_order);
    ArrayD::from_shape_vec(shape, values).map_err(|source| Error::Shape {
        shape: raw.shape.clone(),
        source,
    })
}

/// The `Codec` methods every field type shares: everything but the dynamic-array hooks.
macro_rules! field_codec {
    ($name:expr) => {
        type Plan = FieldMap;

        fn read_plan(dtype: &DType) -> Result<FieldMap> {
            plan($name, &Self::layout(), dtype, false)
        }

        fn write_plan(dtype: &DType) -> Result<FieldMap> {
            plan($name, &Self::layout(), dtype, true)
        }

        fn zero_copy(plan: &FieldMap, mutable: bool) -> std::result::Result<(), String> {
            zero_copy(plan, $name, mutable)
        }

        fn read_vec<R: Read>(
            source: &mut DataReader<'_, R>,
            count: usize,
            plan: &FieldMap,
        ) -> Result<Vec<Self>> {
            read_values(source, count, plan)
        }

        fn write_slice<W: Write + ?Sized>(
            writer: &mut W,
            data: &[Self],
            plan: &FieldMap,
        ) -> std::io::Result<()> {
            match value_bytes(plan, data) {
                Some(bytes) => writer.write_all(bytes),
                None => write_blocks(writer, plan, data.chunks(block_values(plan))),
            }
        }

        fn write_rows<'a, W: Write + ?Sized, I: Iterator<Item = ArrayView1<'a, Self>>>(
            writer: &mut W,
            rows: I,
            plan: &FieldMap,
        ) -> std::io::Result<()> {
            let rows: Vec<_> = rows.collect();
            write_values(writer, plan, rows.iter().flat_map(|row| row.iter()))
        }

        fn cast_bytes(bytes: &[u8]) -> std::result::Result<&[Self], CastError> {
            cast_values(bytes)
        }

        fn cast_bytes_mut(bytes: &mut [u8]) -> std::result::Result<&mut [Self], CastError> {
            cast_values_mut(bytes)
        }

        fn decode_into(
            bytes: &[u8],
            out: &mut Vec<Self>,
            plan: &FieldMap,
        ) -> std::result::Result<(), usize> {
            out.clear();
            decode_append(plan, bytes, out)
        }
    };
}

impl<T: Record> Element for T {
    const NAME: &'static str = <T as Record>::NAME;

    fn dtype(endian: Endian) -> DType {
        field_dtype::<T>(endian)
    }

    fn accepts(dtype: &DType) -> bool {
        <T as Codec>::read_plan(dtype).is_ok()
    }
}

impl<T: Record> Codec for T {
    field_codec!(<T as Record>::NAME);

    fn into_data(array: ArrayD<Self>) -> ArrayData {
        let dtype = field_dtype::<T>(Endian::NATIVE);
        let itemsize = dtype.itemsize();
        let (bytes, fortran) = match plan(Self::NAME, &T::layout(), &dtype, true) {
            Ok(p) => encode_array(&array, &p),
            // Unreachable for a layout that has a dtype: its own dtype always matches.
            Err(_) => (vec![0; array.len() * itemsize], false),
        };
        ArrayData::Raw(RawArray {
            fortran_order: fortran_flag(fortran, array.shape()),
            shape: array.shape().to_vec(),
            bytes,
            itemsize,
        })
    }

    fn data_ref(_: &ArrayData) -> Option<&ArrayD<Self>> {
        None
    }

    fn data_into(data: ArrayData, dtype: &DType) -> Result<ArrayD<Self>> {
        let plan = <T as Codec>::read_plan(dtype)?;
        match data {
            ArrayData::Raw(raw) => decode_raw(&raw, &plan),
            _ => Err(Error::DTypeMismatch {
                found: dtype.clone(),
                requested: Self::NAME.to_string(),
            }),
        }
    }
}

macro_rules! time_element {
    ($name:ident, $variant:ident, $label:literal) => {
        impl<U: Unit> Element for $name<U> {
            const NAME: &'static str = $label;

            fn dtype(endian: Endian) -> DType {
                field_dtype::<Self>(endian)
            }

            fn accepts(dtype: &DType) -> bool {
                <Self as Codec>::read_plan(dtype).is_ok()
            }
        }

        impl<U: Unit> Codec for $name<U> {
            field_codec!($label);

            fn into_data(array: ArrayD<Self>) -> ArrayData {
                ArrayData::$variant(array.mapv(|t| t.value()))
            }

            fn data_ref(_: &ArrayData) -> Option<&ArrayD<Self>> {
                None
            }

            fn data_into(data: ArrayData, dtype: &DType) -> Result<ArrayD<Self>> {
                <Self as Codec>::read_plan(dtype)?;
                match data {
                    ArrayData::$variant(a) => Ok(a.mapv(Self::new)),
                    _ => Err(Error::DTypeMismatch {
                        found: dtype.clone(),
                        requested: $label.to_string(),
                    }),
                }
            }
        }
    };
}

time_element!(Datetime64, DateTime64, "Datetime64");
time_element!(Timedelta64, TimeDelta64, "Timedelta64");
