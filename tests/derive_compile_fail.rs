//! `#[derive(npio::Record)]` refuses what cannot be a NumPy record, with readable messages
//! (expected compiler output in tests/derive_fail/*.stderr; regenerate with
//! `TRYBUILD=overwrite cargo test --test derive_compile_fail` after reading the diff).

#[test]
fn unsupported_records_fail_to_compile() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/derive_fail/*.rs");
}
