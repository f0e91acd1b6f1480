#[derive(Clone, Copy, npio::Record)]
struct Inner {
    x: f64,
}

#[derive(Clone, npio::Record)]
struct Row {
    points: Vec<Inner>,
}

fn main() {}
