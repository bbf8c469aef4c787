//! Parity with AWS's payloads. Every function binary runs as Lambda runs it — a
//! fresh process under a Runtime API emulator (`local_gateway::runtime_api`) —
//! and is fed events captured from AWS (the fixtures `aws_lambda_events` ships
//! in its source), adapted to its route the way API Gateway would send them:
//! the authorizer's context with `principalId` and `integrationLatency`,
//! `multiValueHeaders` and `multiValueQueryStringParameters`, an
//! `isBase64Encoded` body, a stage-prefixed `requestContext.path`. The local
//! gateway's own events are then compared field by field with the same
//! fixtures; the differences that remain are listed (and explained) in
//! [`DOCUMENTED_DIFFERENCES`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use local_gateway::dynamodb_local::Storage;
use local_gateway::runtime_api::{lambda_environment, Posted, RuntimeApi};
use local_gateway::template::{RouteSpec, Template};
use local_gateway::{Database, Options};
use serde_json::{json, Map, Value};

const SECRET: &str = "aws-payloads-secret-0123456789-abcdefghijklmnopqrstuvwxyz";
const REGION: &str = "us-east-1";

/// Where `aws_lambda_events` keeps its captured events: its source in cargo's
/// registry, at the version Cargo.lock pins.
fn fixtures_dir() -> PathBuf {
    let lock =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock")).expect("Cargo.lock");
    let version = lock
        .split("[[package]]")
        .find(|p| p.contains("name = \"aws_lambda_events\""))
        .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = \"")?.strip_suffix('"')))
        .expect("aws_lambda_events in Cargo.lock");
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")))
        .expect("CARGO_HOME or HOME");
    let registry = cargo_home.join("registry/src");
    std::fs::read_dir(&registry)
        .unwrap_or_else(|e| panic!("{}: {e}", registry.display()))
        .filter_map(|index| Some(index.ok()?.path().join(format!("aws_lambda_events-{version}/src/fixtures"))))
        .find(|dir| dir.is_dir())
        .unwrap_or_else(|| panic!("aws_lambda_events {version}'s fixtures are not under {}", registry.display()))
}

fn fixture(name: &str) -> Value {
    let path = fixtures_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("fixture is JSON")
}

/// What one request to a route looks like.
#[derive(Default, Clone)]
struct Call {
    path_params: Vec<(String, String)>,
    query: Vec<(&'static str, &'static str)>,
    body: Option<Value>,
    base64: bool,
    /// The authorizer context (`user_id`, `username`, `role`, `sid`); `None` for public routes.
    caller: Option<(String, &'static str, &'static str, String)>,
    /// Start from the multi-value fixture instead of the plain request.
    multi_value_fixture: bool,
}

/// A captured REST proxy event, re-aimed at `route` as API Gateway would send it.
fn proxy_event(stage: &str, route: &RouteSpec, call: &Call) -> Value {
    let mut event = fixture(if call.multi_value_fixture {
        "example-apigw-request-multi-value-parameters.json"
    } else {
        "example-apigw-request.json"
    });
    let mut path = route.path.clone();
    for (name, value) in &call.path_params {
        path = path.replace(&format!("{{{name}}}"), value);
    }
    // Keep AWS's headers (CloudFront, X-Forwarded-*, mixed case) but the body's.
    let mut headers = event["headers"].as_object().cloned().unwrap_or_default();
    headers
        .retain(|name, _| !name.eq_ignore_ascii_case("content-type") && !name.eq_ignore_ascii_case("content-length"));
    if call.body.is_some() {
        headers.insert("Content-Type".into(), json!("application/json"));
    }
    if call.caller.is_some() {
        headers.insert("Authorization".into(), json!("Bearer <checked by the authorizer>"));
    }
    let multi_headers: Map<String, Value> = headers.iter().map(|(k, v)| (k.clone(), json!([v]))).collect();
    let (query, multi_query) = if call.query.is_empty() {
        (Value::Null, Value::Null)
    } else {
        let mut multi = Map::new();
        for (key, value) in &call.query {
            multi.entry(key.to_string()).or_insert_with(|| json!([])).as_array_mut().expect("array").push(json!(value));
        }
        let single: Map<String, Value> = call.query.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
        (Value::Object(single), Value::Object(multi))
    };
    let params: Map<String, Value> = call.path_params.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
    let body = call.body.as_ref().map(|b| {
        if call.base64 {
            json!(base64::engine::general_purpose::STANDARD.encode(b.to_string()))
        } else {
            json!(b.to_string())
        }
    });
    event["resource"] = json!(route.path);
    event["path"] = json!(path);
    event["httpMethod"] = json!(route.method);
    event["headers"] = Value::Object(headers);
    event["multiValueHeaders"] = Value::Object(multi_headers);
    event["queryStringParameters"] = query;
    event["multiValueQueryStringParameters"] = multi_query;
    event["pathParameters"] = if params.is_empty() { Value::Null } else { Value::Object(params) };
    event["body"] = body.unwrap_or(Value::Null);
    event["isBase64Encoded"] = json!(call.base64);
    let context = &mut event["requestContext"];
    context["resourcePath"] = json!(route.path);
    context["httpMethod"] = json!(route.method);
    context["path"] = json!(format!("/{stage}{path}"));
    context["stage"] = json!(stage);
    context["requestId"] = json!(uuid::Uuid::new_v4().to_string());
    context["authorizer"] = match &call.caller {
        // What API Gateway hands a function behind a REQUEST authorizer.
        Some((user_id, username, role, sid)) => json!({
            "principalId": user_id, "user_id": user_id, "username": username, "role": role, "sid": sid,
            "integrationLatency": 12
        }),
        None => Value::Null,
    };
    event
}

/// The captured REQUEST-authorizer event, with `authorization` as its token header.
fn authorizer_event(stage: &str, authorization: Option<String>) -> Value {
    let mut event = fixture("example-apigw-custom-auth-request-type-request.json");
    let arn = format!("arn:aws:execute-api:{REGION}:123456789012:abcdef123/{stage}/GET/users/profile");
    event["methodArn"] = json!(arn);
    for key in ["headers", "multiValueHeaders"] {
        let map = event[key].as_object_mut().expect("headers");
        map.retain(|name, _| !name.eq_ignore_ascii_case("authorization"));
        if let Some(value) = &authorization {
            map.insert("Authorization".into(), if key == "headers" { json!(value) } else { json!([value]) });
        }
    }
    event
}

fn answer_of(invocation: &local_gateway::runtime_api::Invocation) -> (u64, Value) {
    assert_eq!(
        invocation.posted,
        Posted::Response,
        "{:?}: {}\n{}",
        invocation.posted,
        invocation.body,
        invocation.logs
    );
    let response = &invocation.body;
    let status = response["statusCode"].as_u64().expect("statusCode");
    let body: Value = serde_json::from_str(response["body"].as_str().expect("a text body")).expect("the body is JSON");
    let content_type =
        response["headers"]["content-type"].as_str().or(response["multiValueHeaders"]["content-type"][0].as_str());
    assert_eq!(content_type, Some("application/json"), "{response}");
    assert!(body["success"].is_boolean(), "not the envelope: {body}");
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_function_answers_aws_payloads_as_on_lambda() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let stack = format!("p{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
    let database = Database::Start { install_dir: workspace.join(".local/dynamodb-local"), storage: Storage::InMemory };
    let mut options = Options::new(&stack, database, SECRET);
    options.seed = true; // the demo accounts and catalogue
    let gateway = local_gateway::start(options).await.expect("DynamoDB Local and the tables");
    let template = Template::load(&stack, REGION).expect("template");
    let stage = template.stage.clone();
    let runtime =
        RuntimeApi::start(format!("arn:aws:lambda:{REGION}:000000000000:function:{stack}")).await.expect("emulator");
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_health")).parent().expect("bin dir").to_path_buf();

    let users = shared::repo::users::UsersRepo::new(gateway.client.clone(), format!("{stack}-users"));
    let admin = users.get_by_username("admin").await.expect("read").expect("seeded admin");
    let tokens = shared::token::TokenService::from_env(&shared::config::Env::from_pairs([("JWT_SECRET", SECRET)]))
        .expect("tokens");
    // A live session, as a login makes one: the authorizer and the admin re-check look it up.
    let auth = shared::repo::auth::AuthRepo::new(gateway.client.clone(), format!("{stack}-auth"));
    let refresh = shared::token::new_refresh_token().expect("randomness");
    let hash = shared::token::refresh_token_hash(refresh.expose()).expect("hash");
    let now = shared::clock::Now::read();
    let sid = auth.start_session(&admin.id, &hash, now.unix() + 3600, Default::default(), now).await.expect("session");
    let token = tokens.issue_access(&admin.id, "admin", shared::domain::Role::Admin, &sid, now).expect("token");
    let admin_caller = Some((admin.id.clone(), "admin", "admin", sid.clone()));

    // Route by route: the request, and the status a correct function answers.
    let id = |v: &str| vec![("id".to_owned(), v.to_owned())];
    let cases: HashMap<&str, (Call, u64)> = HashMap::from([
        ("health", (Call::default(), 200)),
        // A base64 body (as API Gateway sends binary media types): decoded before parsing.
        (
            "auth-login",
            (
                Call {
                    body: Some(json!({"username": "admin", "password": "admin123"})),
                    base64: true,
                    ..Call::default()
                },
                200,
            ),
        ),
        ("auth-verify", (Call { body: Some(json!({"token": token})), ..Call::default() }, 200)),
        ("auth-refresh", (Call { body: Some(json!({"refresh_token": "not-a-token"})), ..Call::default() }, 401)),
        ("auth-logout", (Call { body: Some(json!({"refresh_token": "not-a-token"})), ..Call::default() }, 200)),
        (
            "auth-signup",
            (
                Call {
                    body: Some(json!({"username": "fixture-user", "password": "a fixture password"})),
                    ..Call::default()
                },
                201,
            ),
        ),
        (
            "users-list",
            (
                Call {
                    query: vec![("limit", "2")],
                    caller: admin_caller.clone(),
                    multi_value_fixture: true,
                    ..Call::default()
                },
                200,
            ),
        ),
        ("users-create", (Call { body: Some(json!({})), caller: admin_caller.clone(), ..Call::default() }, 422)),
        ("users-profile", (Call { caller: admin_caller.clone(), ..Call::default() }, 200)),
        ("users-get", (Call { path_params: id(&admin.id), caller: admin_caller.clone(), ..Call::default() }, 200)),
        (
            "users-update",
            (
                Call {
                    path_params: id(&admin.id),
                    body: Some(json!({"full_name": "Ada Admin"})),
                    caller: admin_caller.clone(),
                    ..Call::default()
                },
                200,
            ),
        ),
        (
            "users-delete",
            (Call { path_params: id("no-such-user"), caller: admin_caller.clone(), ..Call::default() }, 404),
        ),
        // Repeated query parameters arrive in multiValueQueryStringParameters.
        (
            "products-list",
            (
                Call {
                    query: vec![("category", "kitchen"), ("limit", "2")],
                    multi_value_fixture: true,
                    ..Call::default()
                },
                200,
            ),
        ),
        ("products-get", (Call { path_params: id("demo-mug"), ..Call::default() }, 200)),
        ("products-create", (Call { body: Some(json!({})), caller: admin_caller.clone(), ..Call::default() }, 422)),
        (
            "products-update",
            (
                Call {
                    path_params: id("demo-mug"),
                    body: Some(json!({"stock": 61})),
                    caller: admin_caller.clone(),
                    ..Call::default()
                },
                200,
            ),
        ),
        (
            "products-delete",
            (Call { path_params: id("no-such-product"), caller: admin_caller.clone(), ..Call::default() }, 404),
        ),
        (
            "orders-create",
            (
                Call {
                    body: Some(json!({"items": [{"product_id": "demo-mug", "quantity": 1}]})),
                    caller: admin_caller.clone(),
                    ..Call::default()
                },
                201,
            ),
        ),
        ("orders-list", (Call { query: vec![("limit", "5")], caller: admin_caller.clone(), ..Call::default() }, 200)),
        ("orders-history", (Call { caller: admin_caller.clone(), ..Call::default() }, 200)),
        (
            "orders-get",
            (Call { path_params: id("no-such-order"), caller: admin_caller.clone(), ..Call::default() }, 404),
        ),
        (
            "orders-update",
            (
                Call {
                    path_params: id("no-such-order"),
                    body: Some(json!({"status": "cancelled"})),
                    caller: admin_caller.clone(),
                    ..Call::default()
                },
                404,
            ),
        ),
    ]);

    let mut answered = Vec::new();
    for function in &template.functions {
        let binary = bin_dir.join(&function.binary);
        let env = lambda_environment(function, &stack, REGION, 256, &gateway.dynamodb_endpoint, SECRET, &binary);
        let is_authorizer = template.authorizer.as_ref().is_some_and(|a| a.function == function.logical_id);
        if is_authorizer {
            let allowed = runtime
                .invoke_cold(&binary, &env, authorizer_event(&stage, Some(format!("Bearer {token}"))))
                .await
                .expect("runs");
            assert_eq!(allowed.posted, Posted::Response, "{}", allowed.logs);
            assert_eq!(allowed.body["policyDocument"]["Statement"][0]["Effect"], "Allow", "{}", allowed.body);
            assert_eq!(allowed.body["context"]["user_id"], json!(admin.id));
            let refused = runtime.invoke_cold(&binary, &env, authorizer_event(&stage, None)).await.expect("runs");
            assert_eq!((refused.posted, refused.body["errorMessage"].as_str()), (Posted::Error, Some("Unauthorized")));
            answered.push(function.binary.clone());
            continue;
        }
        if template.stream_sources.iter().any(|s| s.function == function.logical_id) {
            // AWS's own DynamoDB Streams event: records of another table's
            // shape, which the consumer cannot read — a partial batch response
            // naming the first, not a crash.
            let event = fixture("example-dynamodb-event.json");
            let first = event["Records"][0]["dynamodb"]["SequenceNumber"].clone();
            let invocation = runtime.invoke_cold(&binary, &env, event).await.expect("runs");
            assert_eq!(invocation.posted, Posted::Response, "{}", invocation.logs);
            assert_eq!(
                invocation.body,
                json!({"batchItemFailures": [{"itemIdentifier": first}]}),
                "{}",
                invocation.logs
            );
            answered.push(function.binary.clone());
            continue;
        }
        let route = template.routes.iter().find(|r| r.function == function.logical_id).expect("an HTTP route");
        // A route this table does not know yet still gets AWS's payload: any
        // answer but a 5xx, in the envelope.
        let (call, expected) = cases.get(function.binary.as_str()).cloned().unwrap_or_else(|| {
            let params = route
                .path
                .split('/')
                .filter_map(|s| Some((s.strip_prefix('{')?.strip_suffix('}')?.to_owned(), "unknown-id".to_owned())));
            let call = Call {
                path_params: params.collect(),
                body: matches!(route.method.as_str(), "POST" | "PUT" | "PATCH").then(|| json!({})),
                caller: route.authorized.then(|| admin_caller.clone()).flatten(),
                ..Call::default()
            };
            (call, 0)
        });
        let invocation = runtime.invoke_cold(&binary, &env, proxy_event(&stage, route, &call)).await.expect("runs");
        let (status, body) = answer_of(&invocation);
        if expected == 0 {
            assert!(status < 500, "{}: {status} {body}", function.binary);
        } else {
            assert_eq!(status, expected, "{} {}: {body}\n{}", route.method, route.path, invocation.logs);
        }
        match function.binary.as_str() {
            "auth-login" => assert!(body["data"]["access_token"].is_string(), "{body}"),
            "products-list" => {
                let items = body["data"]["items"].as_array().expect("items");
                assert!(
                    !items.is_empty() && items.len() <= 2 && items.iter().all(|p| p["category"] == "kitchen"),
                    "{body}"
                );
            }
            "users-list" => assert_eq!(body["data"]["items"].as_array().map(Vec::len), Some(2), "{body}"),
            "users-profile" => assert_eq!(body["data"]["username"], "admin", "{body}"),
            _ => {}
        }
        answered.push(function.binary.clone());
    }
    assert_eq!(answered.len(), template.functions.len());

    // Defence in depth: a protected function deployed without the authorizer refuses.
    let profile = template.routes.iter().find(|r| r.binary == "users-profile").expect("route");
    let binary = bin_dir.join("users-profile");
    let spec = template.functions.iter().find(|f| f.binary == "users-profile").expect("function");
    let env = lambda_environment(spec, &stack, REGION, 256, &gateway.dynamodb_endpoint, SECRET, &binary);
    let invocation =
        runtime.invoke_cold(&binary, &env, proxy_event(&stage, profile, &Call::default())).await.expect("runs");
    assert_eq!(answer_of(&invocation).0, 401);

    gateway.stop().await;
}

/// Keys AWS sends that the local gateway leaves out, and why that is safe.
const DOCUMENTED_DIFFERENCES: &[(&str, &str)] = &[
    ("requestContext.domainName", "no custom or execute-api domain locally; no handler reads it"),
    ("requestContext.domainPrefix", "as domainName"),
    ("requestContext.requestTime", "the CLF-formatted time; requestTimeEpoch carries the same instant"),
    ("requestContext.identity.cognitoIdentityPoolId", "IAM/Cognito authorisation is not used by this API"),
    ("requestContext.identity.accountId", "IAM/Cognito authorisation is not used by this API"),
    ("requestContext.identity.cognitoIdentityId", "IAM/Cognito authorisation is not used by this API"),
    ("requestContext.identity.caller", "IAM/Cognito authorisation is not used by this API"),
    ("requestContext.identity.apiKey", "no API keys or usage plans"),
    ("requestContext.identity.apiKeyId", "no API keys or usage plans"),
    ("requestContext.identity.accessKey", "IAM/Cognito authorisation is not used by this API"),
    ("requestContext.identity.cognitoAuthenticationType", "IAM/Cognito authorisation is not used by this API"),
    ("requestContext.identity.cognitoAuthenticationProvider", "IAM/Cognito authorisation is not used by this API"),
    ("requestContext.identity.userArn", "IAM/Cognito authorisation is not used by this API"),
    ("requestContext.identity.user", "IAM/Cognito authorisation is not used by this API"),
    (
        "requestContext.authorizer.clientId",
        "a context key of the fixture's own authorizer; ours sends user_id, username, role",
    ),
    ("requestContext.authorizer.clientName", "as clientId"),
    (
        "stageVariables.stageVariableName",
        "the template defines no stage variables (AWS then sends null, as the local gateway does)",
    ),
    ("stageVariables.StageVar1", "as stageVariableName"),
    (
        "requestContext.identity.clientCert",
        "mutual TLS needs a custom domain; the API has none, so AWS sends no certificate either",
    ),
    ("requestContext.identity.clientCert.clientCertPem", "as clientCert"),
    ("requestContext.identity.clientCert.issuerDN", "as clientCert"),
    ("requestContext.identity.clientCert.serialNumber", "as clientCert"),
    ("requestContext.identity.clientCert.subjectDN", "as clientCert"),
    ("requestContext.identity.clientCert.validity", "as clientCert"),
    ("requestContext.identity.clientCert.validity.notAfter", "as clientCert"),
    ("requestContext.identity.clientCert.validity.notBefore", "as clientCert"),
];

/// Every key path of `value`'s objects (headers compared by lower-cased name).
fn key_paths(value: &Value, prefix: &str, out: &mut Vec<(String, &'static str)>) {
    if let Value::Object(map) = value {
        for (key, child) in map {
            let key = if prefix.ends_with("eaders") { key.to_ascii_lowercase() } else { key.clone() };
            let path = if prefix.is_empty() { key } else { format!("{prefix}.{key}") };
            let kind = match child {
                Value::Null => "null",
                Value::Bool(_) => "bool",
                Value::Number(_) => "number",
                Value::String(_) => "string",
                Value::Array(_) => "array",
                Value::Object(_) => "object",
            };
            out.push((path.clone(), kind));
            key_paths(child, &path, out);
        }
    }
}

fn differences(aws: &Value, local: &Value) -> Vec<String> {
    let (mut theirs, mut ours) = (Vec::new(), Vec::new());
    key_paths(aws, "", &mut theirs);
    key_paths(local, "", &mut ours);
    let ours: HashMap<String, &str> = ours.into_iter().collect();
    let mut found = Vec::new();
    for (path, kind) in theirs {
        match ours.get(&path) {
            None if DOCUMENTED_DIFFERENCES.iter().any(|(p, _)| *p == path) => {}
            None => found.push(format!("{path}: missing locally")),
            // null on one side is a value AWS sends too (e.g. no query string).
            Some(local_kind) if *local_kind != kind && kind != "null" && *local_kind != "null" => {
                found.push(format!("{path}: {kind} at AWS, {local_kind} locally"))
            }
            Some(_) => {}
        }
    }
    found
}

/// `request` rebuilt from a captured event: method, path, query string, headers, body.
fn request_like(event: &Value, body: &'static [u8]) -> http::Request<bytes::Bytes> {
    let query: Vec<String> = event["multiValueQueryStringParameters"]
        .as_object()
        .into_iter()
        .flatten()
        .flat_map(|(k, values)| {
            values.as_array().into_iter().flatten().map(move |v| format!("{k}={}", v.as_str().unwrap_or_default()))
        })
        .collect();
    let uri = format!("{}?{}", event["path"].as_str().expect("path"), query.join("&"));
    let mut request = http::Request::builder().method(event["httpMethod"].as_str().expect("method")).uri(uri);
    for (name, value) in event["headers"].as_object().expect("headers") {
        request = request.header(name.as_str(), value.as_str().expect("text"));
    }
    request.body(bytes::Bytes::from_static(body)).expect("request")
}

/// The local gateway's events against AWS's, key by key and type by type.
#[test]
fn the_local_gateways_events_have_every_field_aws_sends() {
    let route = |path: &str, method: &str| RouteSpec {
        function: "Fixture".into(),
        binary: "fixture".into(),
        method: method.into(),
        path: path.into(),
        authorized: true,
    };
    let peer = "192.168.196.186:50000".parse().expect("addr");
    let authorizer: Map<String, Value> =
        [("principalId".to_owned(), json!("admin")), ("integrationLatency".to_owned(), json!(12))]
            .into_iter()
            .collect();

    let aws = fixture("example-apigw-request.json");
    let params = HashMap::from([("proxy".to_owned(), "hello/world".to_owned())]);
    let request = request_like(&aws, b"{\r\n\t\"a\": 1\r\n}");
    let (proxy, _) = local_gateway::gateway::rest_events(
        "testStage",
        &route("/{proxy+}", "POST"),
        params,
        &request,
        peer,
        authorizer,
    );

    let found = differences(&aws, &proxy);
    assert!(found.is_empty(), "the local proxy event differs from AWS's (fix, or document why): {found:#?}");
    assert_eq!(proxy["requestContext"]["path"], "/testStage/hello/world", "stage-prefixed, as API Gateway sends it");
    assert_eq!(proxy["multiValueHeaders"]["x-forwarded-for"], json!(["54.240.196.186, 54.182.214.83"]));
    assert_eq!(proxy["body"], aws["body"]);

    let aws = fixture("example-apigw-custom-auth-request-type-request.json");
    let request = request_like(&aws, b"");
    let (_, authorizer_event) = local_gateway::gateway::rest_events(
        "test",
        &route("/request", "GET"),
        HashMap::new(),
        &request,
        peer,
        Map::new(),
    );
    let found = differences(&aws, &authorizer_event);
    assert!(found.is_empty(), "the local authorizer event differs from AWS's (fix, or document why): {found:#?}");
    assert_eq!(authorizer_event["type"], "REQUEST");
}
