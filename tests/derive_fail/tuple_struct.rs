#[derive(Clone, Copy, npio::Record)]
struct Row(u32, f64);

fn main() {}
