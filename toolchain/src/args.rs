//! Reading a `cc` command line: what the user asked for (compile, link,
//! a `-print-*` query, …) and which of their flags we must drop or adjust.

/// What one invocation does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Compile/preprocess/assemble only (`-c`, `-E`, `-S`, `-M`, `-MM`,
    /// `-fsyntax-only`): clang with our compile flags, no link flags.
    Compile,
    /// Produce an executable (the default when inputs are given).
    Link,
    /// `-r` / `-Wl,-r`: a relocatable object; linked by wasm-ld but not an
    /// executable, so no start files, libraries or ABI section.
    Relocatable,
    /// A query answered without compiling.
    Query(Query),
    /// No inputs and nothing to print (e.g. bare `-v`): clang reports.
    Passthrough,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Query {
    Version,
    DumpMachine,
    DumpVersion,
    PrintSysroot,
    PrintSearchDirs,
    PrintLibgcc,
    PrintFileName(String),
    PrintProgName(String),
}

/// The classified command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed {
    pub action: Action,
    /// The user's arguments to forward to clang, in order, after dropping
    /// the ones wasm cannot honour (see [`parse`]).
    pub forward: Vec<String>,
    /// `-o` value, if any.
    pub output: Option<String>,
    pub nostdlib: bool,
    pub nostartfiles: bool,
    pub nodefaultlibs: bool,
    pub nostdinc: bool,
    /// `-shared` was given: not supported, the caller reports it.
    pub shared: bool,
    /// `-v` was given.
    pub verbose: bool,
}

/// Flags that take their value as the next argument (so the value is not
/// mistaken for an input file).
const TAKES_VALUE: &[&str] = &[
    "-o",
    "-I",
    "-D",
    "-U",
    "-L",
    "-l",
    "-include",
    "-imacros",
    "-isystem",
    "-idirafter",
    "-iquote",
    "-iprefix",
    "-iwithprefix",
    "-isysroot",
    "-MF",
    "-MT",
    "-MQ",
    "-x",
    "-Xlinker",
    "-Xclang",
    "-Xpreprocessor",
    "-Xassembler",
    "-mllvm",
    "-arch",
    "-target",
    "-z",
    "-u",
    "-e",
    "-T",
];

/// Parses the user's arguments (argv without argv[0]).
///
/// Dropped: `-fPIC`/`-fpic`/`-fPIE`/`-fpie`/`-pie` (wasm code here is not
/// position independent; PIC objects would not link against libc),
/// `-pthread` (in clang it turns on shared memory and atomics, which the
/// single-threaded libc is not built for; `-D_REENTRANT` is kept for the
/// headers that test it), `-static` and `-rdynamic` (everything is static).
pub fn parse(args: &[String]) -> Parsed {
    let mut p = Parsed {
        action: Action::Link,
        forward: Vec::new(),
        output: None,
        nostdlib: false,
        nostartfiles: false,
        nodefaultlibs: false,
        nostdinc: false,
        shared: false,
        verbose: false,
    };
    let mut compile_only = false;
    let mut relocatable = false;
    let mut query = None;
    let mut inputs = 0;
    let mut it = args.iter().peekable();
    while let Some(a) = it.next() {
        let s = a.as_str();
        match s {
            "-c" | "-E" | "-S" | "-M" | "-MM" | "-fsyntax-only" => compile_only = true,
            "-r" => relocatable = true,
            "-shared" => {
                p.shared = true;
                continue;
            }
            "-nostdlib" => {
                p.nostdlib = true;
                continue;
            }
            "-nostartfiles" => {
                p.nostartfiles = true;
                continue;
            }
            "-nodefaultlibs" => {
                p.nodefaultlibs = true;
                continue;
            }
            "-nostdinc" => {
                p.nostdinc = true;
                continue;
            }
            "-fPIC" | "-fpic" | "-fPIE" | "-fpie" | "-pie" | "-no-pie" | "-static" | "-rdynamic" | "-static-libgcc" => continue,
            "-pthread" | "-pthreads" => {
                p.forward.push("-D_REENTRANT".into());
                continue;
            }
            "-v" => p.verbose = true,
            "--version" => query = Some(Query::Version),
            "-dumpmachine" => query = Some(Query::DumpMachine),
            "-dumpversion" | "-dumpfullversion" => query = Some(Query::DumpVersion),
            "-print-sysroot" | "--print-sysroot" => query = Some(Query::PrintSysroot),
            "-print-search-dirs" | "--print-search-dirs" => query = Some(Query::PrintSearchDirs),
            "-print-libgcc-file-name" => query = Some(Query::PrintLibgcc),
            "-o" => {
                p.output = it.peek().map(|v| v.to_string());
            }
            _ => {
                if let Some(v) = s.strip_prefix("-print-file-name=") {
                    query = Some(Query::PrintFileName(v.into()));
                    continue;
                }
                if let Some(v) = s.strip_prefix("-print-prog-name=") {
                    query = Some(Query::PrintProgName(v.into()));
                    continue;
                }
                if let Some(v) = s.strip_prefix("-o").filter(|v| !v.is_empty()) {
                    p.output = Some(v.into());
                } else if s.starts_with("-Wl,") && s.split(',').any(|x| x == "-r" || x == "--relocatable") {
                    relocatable = true;
                } else if !s.starts_with('-') || s == "-" {
                    inputs += 1;
                }
                if s.starts_with("-l") || s.starts_with("-Wl,") {
                    // linker inputs count as inputs: `cc -lfoo` links
                    inputs += 1;
                }
            }
        }
        p.forward.push(a.clone());
        if TAKES_VALUE.contains(&s) {
            if let Some(v) = it.next() {
                p.forward.push(v.clone());
            }
        }
    }
    p.action = if let Some(q) = query {
        Action::Query(q)
    } else if compile_only {
        Action::Compile
    } else if inputs == 0 {
        Action::Passthrough
    } else if relocatable {
        Action::Relocatable
    } else {
        Action::Link
    };
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(s: &str) -> Parsed {
        parse(&s.split_whitespace().map(String::from).collect::<Vec<_>>())
    }

    #[test]
    fn compile_and_link_modes() {
        assert_eq!(parse_str("-c a.c -o a.o").action, Action::Compile);
        assert_eq!(parse_str("-E a.c").action, Action::Compile);
        assert_eq!(parse_str("-S a.c").action, Action::Compile);
        assert_eq!(parse_str("-MM a.c").action, Action::Compile);
        assert_eq!(parse_str("a.c b.c -o prog").action, Action::Link);
        assert_eq!(parse_str("a.o -L. -lfoo").action, Action::Link);
        assert_eq!(parse_str("-r a.o b.o -o c.o").action, Action::Relocatable);
        assert_eq!(parse_str("-Wl,-r a.o -o c.o").action, Action::Relocatable);
        assert_eq!(parse_str("-v").action, Action::Passthrough);
    }

    #[test]
    fn values_of_flags_are_not_inputs() {
        // `-o out.c` must not make this a link of out.c
        assert_eq!(parse_str("-c x.c -o out.c").action, Action::Compile);
        assert_eq!(parse_str("-I inc -D X -x c -").action, Action::Link);
        assert_eq!(parse_str("-I inc -D X").action, Action::Passthrough);
    }

    #[test]
    fn output_is_found_in_both_spellings() {
        assert_eq!(parse_str("a.c -o prog").output.as_deref(), Some("prog"));
        assert_eq!(parse_str("a.c -oprog").output.as_deref(), Some("prog"));
        assert_eq!(parse_str("a.c").output, None);
    }

    #[test]
    fn queries() {
        assert_eq!(parse_str("-dumpmachine").action, Action::Query(Query::DumpMachine));
        assert_eq!(parse_str("--version").action, Action::Query(Query::Version));
        assert_eq!(parse_str("-print-file-name=libc.a").action, Action::Query(Query::PrintFileName("libc.a".into())));
        assert_eq!(parse_str("-print-prog-name=ld").action, Action::Query(Query::PrintProgName("ld".into())));
        assert_eq!(parse_str("-print-libgcc-file-name").action, Action::Query(Query::PrintLibgcc));
        assert_eq!(parse_str("-print-search-dirs").action, Action::Query(Query::PrintSearchDirs));
        assert_eq!(parse_str("-print-sysroot").action, Action::Query(Query::PrintSysroot));
    }

    #[test]
    fn unsupported_flags_are_dropped_or_flagged() {
        let p = parse_str("-fPIC -pthread -static -shared a.c -o liba.so");
        assert!(p.shared);
        assert_eq!(p.forward, ["-D_REENTRANT", "a.c", "-o", "liba.so"]);
        let p = parse_str("-nostdlib -nostartfiles -nodefaultlibs -nostdinc a.c");
        assert!(p.nostdlib && p.nostartfiles && p.nodefaultlibs && p.nostdinc);
        assert_eq!(p.forward, ["a.c"]);
    }
}
