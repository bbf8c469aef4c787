//! `openapi.yaml`, the API's contract, compiled in and served as JSON at
//! `GET /openapi.json` by the local gateway (a test keeps it equal to the
//! template's routes).

use std::sync::OnceLock;

/// The OpenAPI document, compiled into the gateway like `template.yaml`.
pub const OPENAPI_YAML: &str = include_str!("../../openapi.yaml");

/// The document as JSON.
pub fn document() -> Result<serde_json::Value, serde_norway::Error> {
    serde_norway::from_str(OPENAPI_YAML)
}

/// The document as JSON text, converted once; `None` if the YAML is broken
/// (which the contract tests catch).
pub fn json() -> Option<&'static str> {
    static JSON: OnceLock<Option<String>> = OnceLock::new();
    JSON.get_or_init(|| document().ok().map(|doc| doc.to_string())).as_deref()
}
