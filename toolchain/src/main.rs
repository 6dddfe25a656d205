//! The `wasmos-cc` multi-call binary (also `wasmos-c++`, `wasmos-ar`, …).

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut argv = std::env::args_os();
    let argv0 = argv.next().map(|a| a.to_string_lossy().into_owned()).unwrap_or_else(|| "wasmos-cc".into());
    let mut args = Vec::new();
    for a in argv {
        match a.into_string() {
            Ok(s) => args.push(s),
            Err(bad) => {
                eprintln!("{argv0}: error: {}", wasmos_cc::Error::NonUtf8Arg { arg: bad.to_string_lossy().into_owned() });
                return ExitCode::from(1);
            }
        }
    }
    match wasmos_cc::main_with(&argv0, args) {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Err(e) => {
            let name = std::path::Path::new(&argv0).file_name().map_or("wasmos-cc".into(), |n| n.to_string_lossy());
            eprintln!("{name}: error: {e}");
            ExitCode::from(1)
        }
    }
}
