//! The emulator against the official service model: every served operation uses the model's
//! HTTP method and URI, the vendored model subset is the pruned official model, and every error
//! the model lists for a served operation is one the emulator can send with the model's status.

use std::path::PathBuf;

use connectql::emulator::errors::ErrorKind;
use connectql::emulator::model::{MODEL_SUBSET, Model};
use connectql::emulator::routes::ROUTES;
use serde_json::Value;

fn official_model() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/aws-models/connect-2017-08-08.service-2.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("the official model must sit beside the repo at {}: {e}", path.display()));
    serde_json::from_str(&text).expect("the official model is JSON")
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
        "src/emulator/connect-model-subset.json differs from the official model pruned to the served operations; regenerate it"
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
