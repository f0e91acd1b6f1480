// Strings are read through DynArray: the message says so (not "implement Record").
fn main() {
    let _ = npio::read_npy::<ndarray::Array1<String>, _>("strings.npy");
}
