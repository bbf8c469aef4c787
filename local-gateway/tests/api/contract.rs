//! `openapi.yaml` against the template, the route declarations and the running
//! gateway: the document names exactly the template's routes, with the same
//! authorization (`security`) and the declared access (`x-access`), and the
//! gateway serves it.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::helpers::spawn_app;

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// `(METHOD, path)` → the operation, for every operation of the document.
fn operations(doc: &Value) -> BTreeMap<(String, String), Value> {
    let paths = doc["paths"].as_object().expect("paths");
    let mut operations = BTreeMap::new();
    for (path, item) in paths {
        for (method, operation) in item.as_object().expect("path item") {
            if METHODS.contains(&method.as_str()) {
                operations.insert((method.to_ascii_uppercase(), path.clone()), operation.clone());
            }
        }
    }
    operations
}

/// Whether an operation needs the bearer token: its own `security`, else the document's.
fn requires_bearer(doc: &Value, operation: &Value) -> Option<bool> {
    let security = operation.get("security").unwrap_or(&doc["security"]).as_array()?;
    match security.as_slice() {
        [] => Some(false),
        [only] if only.as_object().is_some_and(|o| o.len() == 1 && o.contains_key("bearer")) => Some(true),
        _ => None,
    }
}

#[test]
fn openapi_routes_and_security_match_the_template() {
    let doc = local_gateway::openapi::document().expect("openapi.yaml parses");
    let template = local_gateway::template::Template::load("local", "us-east-1").expect("template");
    assert_eq!(doc["openapi"].as_str().map(|v| v.starts_with("3.1")), Some(true));
    let scheme = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!((scheme["type"].as_str(), scheme["scheme"].as_str()), (Some("http"), Some("bearer")));

    let operations = operations(&doc);
    let documented: Vec<_> = operations.keys().cloned().collect();
    let mut routed: Vec<_> = template.routes.iter().map(|r| (r.method.clone(), r.path.clone())).collect();
    routed.sort();
    assert_eq!(documented, routed, "openapi.yaml operations vs template.yaml routes");

    for route in &template.routes {
        let operation = &operations[&(route.method.clone(), route.path.clone())];
        assert_eq!(
            requires_bearer(&doc, operation),
            Some(route.authorized),
            "{} {}: security must be [bearer] for authorized routes and [] for public ones",
            route.method,
            route.path
        );
        let decl = functions::routes::REGISTRY
            .iter()
            .map(|r| r.decl)
            .find(|d| d.name == route.binary)
            .unwrap_or_else(|| panic!("{} is not in the registry", route.binary));
        assert_eq!(
            operation["x-access"].as_str(),
            Some(decl.access.as_str()),
            "{} {}: openapi.yaml's x-access must be the declared access (functions/routes.toml)",
            route.method,
            route.path
        );
        let responses = operation["responses"].as_object().expect("responses");
        if matches!(decl.access, shared::access::AccessKind::Admin | shared::access::AccessKind::SelfOrAdmin) {
            assert!(
                responses.contains_key("403"),
                "{} {} must document the role check's 403",
                route.method,
                route.path
            );
        }
        assert!(responses.keys().any(|s| s.starts_with('2')), "{} {} documents no success", route.method, route.path);
        if route.authorized {
            assert!(
                responses.contains_key("401"),
                "{} {} must document the authorizer's 401",
                route.method,
                route.path
            );
        }
        for param in route.path.split('/').filter_map(|s| s.strip_prefix('{')?.strip_suffix('}')) {
            let declared = operation["parameters"]
                .as_array()
                .into_iter()
                .chain(doc["paths"][&route.path]["parameters"].as_array())
                .flatten()
                .map(|p| resolve(&doc, p))
                .any(|p| p["in"] == "path" && p["name"] == param && p["required"] == true);
            assert!(declared, "{} {}: path parameter {param} is not declared", route.method, route.path);
        }
    }
}

/// Follows a local `$ref`.
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str().and_then(|r| r.strip_prefix('#')) {
        Some(pointer) => doc.pointer(pointer).expect("$ref resolves"),
        None => value,
    }
}

#[test]
fn every_local_ref_resolves() {
    fn walk<'a>(value: &'a Value, refs: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    refs.push(r);
                }
                map.values().for_each(|v| walk(v, refs));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, refs)),
            _ => {}
        }
    }
    let doc = local_gateway::openapi::document().expect("openapi.yaml parses");
    let mut refs = Vec::new();
    walk(&doc, &mut refs);
    assert!(!refs.is_empty());
    for r in refs {
        let pointer = r.strip_prefix('#').unwrap_or_else(|| panic!("{r} is not a local $ref"));
        assert!(doc.pointer(pointer).is_some(), "{r} does not resolve");
    }
}

#[tokio::test]
async fn the_gateway_serves_the_document_as_json() {
    let app = spawn_app().await;

    let res = app.get("/openapi.json", None).await;

    assert_eq!(res.status.as_u16(), 200, "body: {}", res.body);
    assert_eq!(res.headers["content-type"], "application/json");
    assert_eq!(res.body, local_gateway::openapi::document().expect("parses"));
    assert!(res.body["paths"]["/orders/{id}"]["put"].is_object());
}
