#[derive(Clone, npio::Record)]
struct Row {
    x: f64,
}

fn main() {}
