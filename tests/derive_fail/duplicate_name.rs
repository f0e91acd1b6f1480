#[derive(Clone, Copy, npio::Record)]
struct Row {
    x: f64,
    #[npio(rename = "x")]
    y: f64,
}

fn main() {}
