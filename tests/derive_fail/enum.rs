#[derive(Clone, Copy, npio::Record)]
enum Row {
    A,
    B,
}

fn main() {}
