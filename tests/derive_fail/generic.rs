#[derive(Clone, Copy, npio::Record)]
struct Row<T: Copy> {
    value: T,
}

fn main() {}
