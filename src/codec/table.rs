//! The one table of the NumPy types that have a Rust type.
//!
//! Each row is a Rust type, the name messages give it, its [`ArrayData`](super::ArrayData)
//! variant with the file's scalar kind and size, the unit bytes are swapped in, and the other
//! kinds stored in the same Rust type (`datetime64` and `timedelta64` are `i64`). From this one
//! declaration come:
//!
//! - the variants of [`ArrayData`](super::ArrayData) and the check that values fit a dtype
//!   (`codec/data.rs`),
//! - `for_each_typed!`, the match over every typed variant (`codec/data.rs`),
//! - the [`Element`](super::Element) implementations of the numeric types (`codec/element.rs`;
//!   `bool`'s is written by hand there, since its reads check every byte),
//! - the dispatch that decodes a file's dtype into a `DynArray` (`npy/decode.rs`).
//!
//! A NumPy type without a row (strings, void, records, long doubles) is carried as exact bytes
//! (`ArrayData::Raw`). Adding a type with a Rust type is one row here, plus NumPy-made
//! fixtures (`fixtures/generate.py`).

/// Calls `$then! { (ARGS) ROWS }` with the table. A row is
/// `[impl] RustType, "name" => Variant(ScalarKind, size, swap unit) + Other(kind pattern) "doc";`
/// where `impl` is `numeric` (the Element impl is generated) or `bool` (written by hand).
macro_rules! element_table {
    ($($then:ident)::+ $(; $($args:tt)*)?) => {
        $($then)::+! { ($($($args)*)?)
            [bool] bool, "bool" => Bool(Bool, 1, swap 1);
            [numeric] i8, "i8" => Int8(Int, 1, swap 1);
            [numeric] i16, "i16" => Int16(Int, 2, swap 2);
            [numeric] i32, "i32" => Int32(Int, 4, swap 4);
            [numeric] i64, "i64" => Int64(Int, 8, swap 8)
                + DateTime64(ScalarKind::DateTime { .. }) "datetime64 values (the unit is in the dtype)."
                + TimeDelta64(ScalarKind::TimeDelta { .. }) "timedelta64 values (the unit is in the dtype).";
            [numeric] u8, "u8" => UInt8(UInt, 1, swap 1);
            [numeric] u16, "u16" => UInt16(UInt, 2, swap 2);
            [numeric] u32, "u32" => UInt32(UInt, 4, swap 4);
            [numeric] u64, "u64" => UInt64(UInt, 8, swap 8);
            [numeric] half::f16, "f16" => Float16(Float, 2, swap 2);
            [numeric] f32, "f32" => Float32(Float, 4, swap 4);
            [numeric] f64, "f64" => Float64(Float, 8, swap 8);
            [numeric] num_complex::Complex<f32>, "Complex<f32>" => Complex64(Complex, 8, swap 4);
            [numeric] num_complex::Complex<f64>, "Complex<f64>" => Complex128(Complex, 16, swap 8);
        }
    };
}
pub(crate) use element_table;

#[cfg(test)]
mod tests {
    use crate::codec::{ArrayData, Element};
    use crate::dtype::{DType, ScalarKind};

    /// Every row's Rust type gives a dtype of the row's kind and size, which it accepts, and
    /// whose data fits the row's variant.
    macro_rules! check_rows {
        (() $(
            [$impl:ident] $ty:ty, $name:literal => $v:ident($kind:ident, $size:literal, swap $swap:literal)
            $( + $av:ident($akind:pat) $adoc:literal )*;
        )*) => {$({
            let dtype = <$ty as Element>::dtype(crate::dtype::Endian::Big);
            let scalar = dtype.as_scalar().expect("a scalar");
            assert!(matches!((scalar.kind(), scalar.size()), (ScalarKind::$kind, $size)), "{}", $name);
            assert_eq!(<$ty as Element>::NAME, $name);
            assert!(<$ty as Element>::accepts(&dtype));
            assert!($swap <= $size);
            let values = ArrayData::$v(ndarray::ArrayD::<$ty>::default(ndarray::IxDyn(&[0])));
            assert!(values.fits(&dtype), "{}", $name);
        })*};
    }

    #[test]
    fn every_row_is_consistent() {
        element_table!(check_rows);
        // The kinds shared by i64 are accepted by it and fit only their own variant.
        let dates = DType::parse("<M8[s]").unwrap();
        assert!(i64::accepts(&dates));
        assert!(ArrayData::DateTime64(ndarray::ArrayD::default(ndarray::IxDyn(&[0]))).fits(&dates));
        assert!(!ArrayData::Int64(ndarray::ArrayD::default(ndarray::IxDyn(&[0]))).fits(&dates));
    }
}
