//! Reads any `.npy` file without knowing its type and writes it back.
//!
//! ```text
//! cargo run --release --example rewrite -- IN.npy OUT.npy
//! ```
//!
//! The output is what `np.save(OUT, np.load(IN))` writes, byte for byte. On bad input the
//! error is printed and the exit code is 1. Headers up to 1 MiB are accepted (NumPy's
//! default is 10000 bytes); set `NPIO_MAX_HEADER_SIZE` to change that.

use std::process::ExitCode;

fn run(input: &str, output: &str) -> npio::Result<String> {
    let limit = std::env::var("NPIO_MAX_HEADER_SIZE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1 << 20);
    let array = npio::ReadOptions::default()
        .max_header_size(limit)
        .read_npy::<npio::DynArray, _>(input)?;
    npio::write_npy(output, &array)?;
    Ok(format!(
        "{input} -> {output}: dtype {}, shape {:?}, {} order",
        array.dtype().descr_repr(),
        array.shape(),
        if array.is_fortran_order() {
            "Fortran"
        } else {
            "C"
        }
    ))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = args.as_slice() else {
        eprintln!("usage: rewrite IN.npy OUT.npy");
        return ExitCode::from(2);
    };
    if input == output {
        eprintln!("error: refusing to overwrite the input {input}");
        return ExitCode::from(1);
    }
    match run(input, output) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {input}: {err}");
            ExitCode::from(1)
        }
    }
}
