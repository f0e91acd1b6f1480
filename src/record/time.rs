//! `datetime64` and `timedelta64` values with their unit in the type.

use std::fmt;
use std::marker::PhantomData;

use super::layout::Layout;
use super::Field;
use crate::dtype::{ScalarKind, TimeUnit};

/// A time unit, as a type: the `U` of [`Datetime64<U>`] and [`Timedelta64<U>`]. The types are
/// in [`mod@unit`].
///
/// ```
/// use npio::time::{unit, Unit};
/// assert_eq!(unit::Nanos::UNIT, npio::dtype::TimeUnit::Nanosecond);
/// ```
pub trait Unit: Copy + Send + Sync + 'static {
    /// The unit.
    const UNIT: TimeUnit;
}

/// The time units of NumPy's `datetime64` and `timedelta64`, as types.
///
/// ```
/// let t = npio::time::Datetime64::<npio::time::unit::Seconds>::new(60);
/// assert_eq!(t.value(), 60);
/// ```
pub mod unit {
    use super::{TimeUnit, Unit};

    macro_rules! units {
        ($($name:ident => $unit:ident, $code:literal;)*) => {$(
            #[doc = concat!("NumPy's `", $code, "` unit.")]
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
            pub struct $name;

            impl Unit for $name {
                const UNIT: TimeUnit = TimeUnit::$unit;
            }
        )*};
    }

    units! {
        Years => Year, "Y";
        Months => Month, "M";
        Weeks => Week, "W";
        Days => Day, "D";
        Hours => Hour, "h";
        Minutes => Minute, "m";
        Seconds => Second, "s";
        Millis => Millisecond, "ms";
        Micros => Microsecond, "us";
        Nanos => Nanosecond, "ns";
        Picos => Picosecond, "ps";
        Femtos => Femtosecond, "fs";
        Attos => Attosecond, "as";
    }
}

macro_rules! time_type {
    ($name:ident, $numpy:literal, $code:literal, $kind:ident) => {
        #[doc = concat!("A NumPy `", $numpy, "` value (`", $code, "[unit]`): a count of `U` units (for datetimes, since 1970-01-01). `i64::MIN` is NaT.")]
        ///
        /// ```
        /// use npio::time::{unit::Millis, Datetime64, Timedelta64};
        /// let t = Datetime64::<Millis>::new(1_500);
        /// assert_eq!(format!("{t:?}"), "Datetime64<ms>(1500)");
        /// assert!(Timedelta64::<Millis>::NAT.is_nat());
        /// ```
        #[repr(transparent)]
        pub struct $name<U: Unit>(i64, PhantomData<U>);

        impl<U: Unit> $name<U> {
            /// NumPy's NaT ("not a time").
            pub const NAT: Self = $name(i64::MIN, PhantomData);

            /// A value of `count` units.
            ///
            /// ```
            #[doc = concat!("assert_eq!(npio::time::", stringify!($name), "::<npio::time::unit::Days>::new(3).value(), 3);")]
            /// ```
            pub const fn new(count: i64) -> Self {
                $name(count, PhantomData)
            }

            /// The count of units (`i64::MIN` for NaT).
            ///
            /// ```
            #[doc = concat!("assert_eq!(npio::time::", stringify!($name), "::<npio::time::unit::Hours>::new(-2).value(), -2);")]
            /// ```
            pub const fn value(self) -> i64 {
                self.0
            }

            /// True for NaT.
            ///
            /// ```
            #[doc = concat!("assert!(!npio::time::", stringify!($name), "::<npio::time::unit::Hours>::new(0).is_nat());")]
            /// ```
            pub const fn is_nat(self) -> bool {
                self.0 == i64::MIN
            }
        }

        impl<U: Unit> Clone for $name<U> {
            fn clone(&self) -> Self {
                *self
            }
        }

        impl<U: Unit> Copy for $name<U> {}

        impl<U: Unit> PartialEq for $name<U> {
            fn eq(&self, other: &Self) -> bool {
                self.0 == other.0
            }
        }

        impl<U: Unit> Eq for $name<U> {}

        impl<U: Unit> PartialOrd for $name<U> {
            fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }

        impl<U: Unit> Ord for $name<U> {
            fn cmp(&self, other: &Self) -> std::cmp::Ordering {
                self.0.cmp(&other.0)
            }
        }

        impl<U: Unit> std::hash::Hash for $name<U> {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                self.0.hash(state)
            }
        }

        impl<U: Unit> Default for $name<U> {
            fn default() -> Self {
                Self::new(0)
            }
        }

        impl<U: Unit> fmt::Debug for $name<U> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}<{}>({})", stringify!($name), U::UNIT.code(), self.0)
            }
        }

        // SAFETY: `repr(transparent)` over an i64: 8 bytes, any bit pattern valid, zero valid.
        #[allow(unsafe_code)]
        unsafe impl<U: Unit> Field for $name<U> {
            const DEPTH: usize = 0;

            fn layout() -> Layout {
                Layout::Scalar {
                    kind: ScalarKind::$kind {
                        unit: U::UNIT,
                        multiplier: 1,
                    },
                    size: 8,
                }
            }
        }
    };
}

time_type!(Datetime64, "datetime64", "M8", DateTime);
time_type!(Timedelta64, "timedelta64", "m8", TimeDelta);
