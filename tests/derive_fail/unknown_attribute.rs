#[derive(Clone, Copy, npio::Record)]
#[npio(packed)]
struct Row {
    x: f64,
}

fn main() {}
