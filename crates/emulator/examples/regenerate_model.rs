//! Rewrites the emulator's vendored model subset from the official Connect model, pruned to the
//! operations the emulator serves (documentation stripped).
//!
//! `cargo run -p connectql-emulator --example regenerate-model -- SERVICE-2.JSON` (`-` reads stdin;
//! the repository's copy is `tests/data/connect-2017-08-08.service-2.json.gz`, so
//! `gunzip -c tests/data/connect-2017-08-08.service-2.json.gz | cargo run -p connectql-emulator --example regenerate-model -- -`).

use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use connectql_emulator::model::Model;
use connectql_emulator::routes::ROUTES;
use serde::Serialize;
use serde_json::Value;

fn main() -> ExitCode {
    match regenerate() {
        Ok(path) => {
            println!("wrote {path}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("regenerate-model: {e}");
            ExitCode::FAILURE
        }
    }
}

fn regenerate() -> Result<String, String> {
    let source = std::env::args().nth(1).ok_or("usage: regenerate-model SERVICE-2.JSON (or - for stdin)")?;
    let mut text = String::new();
    if source == "-" {
        std::io::stdin().read_to_string(&mut text).map_err(|e| format!("stdin: {e}"))?;
    } else {
        text = std::fs::read_to_string(&source).map_err(|e| format!("{source}: {e}"))?;
    }
    let official: Value = serde_json::from_str(&text).map_err(|e| format!("{source}: not JSON: {e}"))?;
    if official["metadata"]["serviceId"] != "Connect" {
        return Err(format!("{source}: not the Amazon Connect model (metadata.serviceId)"));
    }
    let ops: Vec<&str> = ROUTES.iter().map(|r| r.operation).collect();
    if let Some(missing) = ops.iter().find(|op| official["operations"][**op].is_null()) {
        return Err(format!("{source}: has no operation {missing}, which the emulator serves"));
    }
    let subset = Model::prune(&official, &ops);
    // One-space indentation, as botocore's own files are laid out.
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, serde_json::ser::PrettyFormatter::with_indent(b" "));
    subset.serialize(&mut ser).map_err(|e| e.to_string())?;
    out.push(b'\n');
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/connect-model-subset.json");
    std::fs::write(&path, out).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path.display().to_string())
}
