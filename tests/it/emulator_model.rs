//! The emulator against the official service model: every served operation uses the model's
//! HTTP method and URI, the vendored model subset is the pruned official model, and every error
//! the model lists for a served operation is one the emulator can send with the model's status.

use std::path::PathBuf;

use connectql_emulator::errors::ErrorKind;
use connectql_emulator::model::{MODEL_SUBSET, Model};
use connectql_emulator::routes::ROUTES;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The sha256 of botocore 1.44.5's `connect/2017-08-08/service-2.json` (tests/data/README.md).
const OFFICIAL_SHA256: &str = "4a95478da00c26fe32d9277374c4ef8a0fb64626cdec2a5c678712edccd9eb17";

fn official_model() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/connect-2017-08-08.service-2.json.gz");
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut text = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(file), &mut text).expect("gunzips");
    let digest: String = Sha256::digest(&text).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(digest, OFFICIAL_SHA256, "{} is not the official model", path.display());
    serde_json::from_slice(&text).expect("the official model is JSON")
}

#[test]
fn every_route_uses_the_model_method_and_uri() {
    let model = official_model();
    for route in ROUTES {
        let http = &model["operations"][route.operation]["http"];
        assert!(http.is_object(), "{} is not an operation of the model", route.operation);
        assert_eq!(http["method"], route.method, "{}: method", route.operation);
        assert_eq!(http["requestUri"], route.uri, "{}: requestUri", route.operation);
    }
}

#[test]
fn the_vendored_subset_is_the_pruned_official_model() {
    let ops: Vec<&str> = ROUTES.iter().map(|r| r.operation).collect();
    let expected = Model::prune(&official_model(), &ops);
    let vendored: Value = serde_json::from_str(MODEL_SUBSET).expect("subset is JSON");
    assert!(
        vendored == expected,
        "crates/emulator/src/connect-model-subset.json differs from the official model pruned to the served operations; regenerate it (README, \"The emulator\")"
    );
}

#[test]
fn every_modeled_error_is_sent_with_the_model_status() {
    let model = official_model();
    for route in ROUTES {
        for error in model["operations"][route.operation]["errors"].as_array().into_iter().flatten() {
            let name = error["shape"].as_str().expect("error shape name");
            let kind = ErrorKind::ALL.iter().find(|k| k.code() == name);
            let kind = kind.unwrap_or_else(|| panic!("{}: modeled error {name} has no ErrorKind", route.operation));
            let status = model["shapes"][name]["error"]["httpStatusCode"].as_u64().expect("status");
            assert_eq!(u64::from(kind.status()), status, "{name}: HTTP status");
        }
    }
}
