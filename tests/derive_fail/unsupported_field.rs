#[derive(Clone, Copy, npio::Record)]
struct Row {
    id: u32,
    name: &'static str,
}

fn main() {}
