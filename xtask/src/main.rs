//! Project chores, run as `cargo xtask <command>` (alias in .cargo/config.toml).
//!
//! - `gen [--check]`: writes (or, with `--check`, only compares) every file
//!   derived from `functions/routes.toml`: the function binaries, the route
//!   registry and template.yaml's function resources.
//! - `new-route <name> <METHOD> <path> <access> [--summary TEXT] [--dynamodb TABLE=Action,...]`:
//!   declares a route and writes its handler skeleton, its test skeleton and its
//!   openapi.yaml stub, then runs `gen`.

mod generate;
mod manifest;
mod new_route;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage:
  cargo xtask gen [--check]
  cargo xtask new-route <name> <METHOD> <path> <public|user|admin|self-or-admin> [--summary TEXT] [--dynamodb TABLE=Action,Action ...]

example:
  cargo xtask new-route cart-get GET /cart user --summary \"the caller's cart\" --dynamodb carts=GetItem";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("gen") => match args.get(1).map(String::as_str) {
            None => generate::write(&root()).map(|changed| report("wrote", &changed)),
            Some("--check") => generate::stale(&root()).and_then(|stale| {
                if stale.is_empty() {
                    println!("generated files are fresh");
                    Ok(())
                } else {
                    Err(format!("stale generated files (run `cargo xtask gen`): {}", stale.join(", ")))
                }
            }),
            Some(other) => Err(format!("unknown option {other:?}\n{USAGE}")),
        },
        Some("new-route") => new_route::Request::parse(&args[1..])
            .and_then(|request| new_route::run(&root(), &request))
            .map(|changed| report("new route; wrote", &changed)),
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn report(verb: &str, changed: &[String]) {
    if changed.is_empty() {
        println!("nothing to change");
    } else {
        println!("{verb}:");
        for path in changed {
            println!("  {path}");
        }
    }
}
