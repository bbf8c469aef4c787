use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::TimeToLiveStatus;

use crate::helpers::{shared_dynamodb, spawn_app, workspace_dir};

#[tokio::test]
async fn unknown_route_is_404_in_the_envelope() {
    let app = spawn_app().await;

    app.get("/no/such/route", None).await.assert_error(404, "NOT_FOUND");
    app.get("/", None).await.assert_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn wrong_method_is_answered_like_api_gateway_does() {
    let app = spawn_app().await;

    // API Gateway REST APIs answer a known path with an unknown method exactly as
    // an unknown path (MISSING_AUTHENTICATION_TOKEN, mapped to 404 NOT_FOUND).
    let res = app.delete("/health", None).await;

    res.assert_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn body_over_api_gateway_limit_is_413() {
    let app = spawn_app().await;

    let res = app.post_raw("/health", "application/json", vec![b' '; 10 * 1024 * 1024 + 1]).await;

    res.assert_error(413, "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn tables_are_created_exactly_as_the_template_defines_them() {
    let app = spawn_app().await;
    let client = &app.gateway.client;

    for spec in &app.gateway.template.tables {
        let described = client.describe_table().table_name(&spec.name).send().await.expect("table exists");
        let table = described.table().expect("table description");

        let keys: Vec<_> = table
            .key_schema()
            .iter()
            .map(|k| (k.attribute_name().to_owned(), k.key_type().as_str().to_owned()))
            .collect();
        let expected_keys: Vec<_> = spec.keys.iter().map(|k| (k.attribute.clone(), k.key_type.clone())).collect();
        assert_eq!(keys, expected_keys, "{}", spec.name);

        let attributes: BTreeMap<_, _> = table
            .attribute_definitions()
            .iter()
            .map(|a| (a.attribute_name().to_owned(), a.attribute_type().as_str().to_owned()))
            .collect();
        assert_eq!(attributes, spec.attributes, "{}", spec.name);

        let mut indexes: Vec<_> = table
            .global_secondary_indexes()
            .iter()
            .map(|i| {
                let keys: Vec<_> = i
                    .key_schema()
                    .iter()
                    .map(|k| (k.attribute_name().to_owned(), k.key_type().as_str().to_owned()))
                    .collect();
                let projection = i.projection().and_then(|p| p.projection_type()).map(|p| p.as_str().to_owned());
                (i.index_name().unwrap_or_default().to_owned(), keys, projection)
            })
            .collect();
        indexes.sort();
        let mut expected_indexes: Vec<_> = spec
            .indexes
            .iter()
            .map(|i| {
                let keys: Vec<_> = i.keys.iter().map(|k| (k.attribute.clone(), k.key_type.clone())).collect();
                (i.name.clone(), keys, Some(i.projection.clone()))
            })
            .collect();
        expected_indexes.sort();
        assert_eq!(indexes, expected_indexes, "{}", spec.name);

        let ttl = client.describe_time_to_live().table_name(&spec.name).send().await.expect("ttl");
        let ttl = ttl.time_to_live_description();
        match &spec.ttl_attribute {
            Some(attribute) => {
                assert_eq!(ttl.and_then(|t| t.attribute_name()), Some(attribute.as_str()), "{}", spec.name);
                assert_eq!(ttl.and_then(|t| t.time_to_live_status()), Some(&TimeToLiveStatus::Enabled));
            }
            None => assert_ne!(ttl.and_then(|t| t.time_to_live_status()), Some(&TimeToLiveStatus::Enabled)),
        }
    }
}

#[tokio::test]
async fn a_second_start_creates_nothing_and_keeps_data() {
    let mut options = crate::helpers::test_options();
    let first = crate::helpers::spawn_app_with(options.clone()).await;
    let table = first.gateway.template.tables[0].name.clone();
    first
        .gateway
        .client
        .put_item()
        .table_name(&table)
        .item("pk", aws_sdk_dynamodb::types::AttributeValue::S("keep-me".into()))
        .send()
        .await
        .expect("put");
    first.gateway.stop().await;

    options.port = 0;
    let second = crate::helpers::spawn_app_with(options).await;
    let item = second
        .gateway
        .client
        .get_item()
        .table_name(&table)
        .key("pk", aws_sdk_dynamodb::types::AttributeValue::S("keep-me".into()))
        .send()
        .await
        .expect("get");
    assert!(item.item().is_some(), "data survived a gateway restart");
}

/// Every function in the template has a binary and a registered handler, and
/// every binary has a function: the template and the code cannot drift. Each
/// binary runs the route of its own name, and each route's declared access is
/// the template's authorization.
#[test]
fn template_functions_binaries_and_registry_agree() {
    let template = local_gateway::template::Template::load("local", "us-east-1").expect("template");
    let bin_dir = workspace_dir().join("functions/src/bin");
    let mut binaries: Vec<String> = std::fs::read_dir(&bin_dir)
        .expect("bin dir")
        .filter_map(|e| e.ok()?.path().file_stem()?.to_str().map(str::to_owned))
        .collect();
    binaries.sort();
    let mut in_template: Vec<String> = template.functions.iter().map(|f| f.binary.clone()).collect();
    in_template.sort();
    assert_eq!(binaries, in_template, "functions/src/bin vs template.yaml functions");

    let registry = functions::routes::REGISTRY;
    let mut registered: Vec<String> = registry.iter().map(|r| r.decl.name.to_owned()).collect();
    let (authorizer_name, _) = functions::routes::AUTHORIZER;
    assert_eq!(template.authorizer.as_ref().map(|a| a.binary.as_str()), Some(authorizer_name));
    registered.push(authorizer_name.to_owned());
    for (consumer, _) in functions::routes::CONSUMERS {
        assert!(
            template.stream_sources.iter().any(|s| s.binary == *consumer),
            "consumer {consumer} has no DynamoDB event source in template.yaml"
        );
        registered.push((*consumer).to_owned());
    }
    registered.sort();
    assert_eq!(registered, in_template, "functions::routes::REGISTRY vs template.yaml functions");

    for entry in registry {
        let decl = entry.decl;
        let bin = bin_dir.join(format!("{}.rs", decl.name));
        let source = std::fs::read_to_string(&bin).expect("binary source");
        assert!(source.lines().count() <= 5, "{} should stay a thin wrapper", bin.display());
        let runs = format!("run::<{}>(&functions::routes::", (entry.handler)());
        let constant = decl.name.replace('-', "_").to_ascii_uppercase();
        assert!(
            source.contains(&format!("{runs}{constant})")),
            "{} must run {} as declared {}; it says:\n{source}",
            bin.display(),
            (entry.handler)(),
            decl.name
        );
        let route = template
            .routes
            .iter()
            .find(|r| r.binary == decl.name)
            .unwrap_or_else(|| panic!("{} has no API event in template.yaml", decl.name));
        assert_eq!((route.method.as_str(), route.path.as_str()), (decl.method, decl.path), "{}", decl.name);
        assert_eq!(
            route.authorized,
            decl.access.needs_token(),
            "{}: access {} but the template says authorized = {} (`Authorizer: NONE` means public)",
            decl.name,
            decl.access.as_str(),
            route.authorized
        );
    }
}

/// The binary itself: serves, and on Ctrl-C stops and leaves no DynamoDB Local behind.
#[tokio::test]
async fn ctrl_c_stops_the_gateway_and_its_dynamodb_local() {
    use tokio::io::{AsyncBufReadExt, BufReader};

    let _ = shared_dynamodb(); // makes sure DynamoDB Local is installed
    let state = std::env::temp_dir().join(format!("gw-state-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&state).expect("state dir");
    std::os::unix::fs::symlink(workspace_dir().join(".local/dynamodb-local"), state.join("dynamodb-local"))
        .expect("link install");
    let port = local_gateway::dynamodb_local::free_port().expect("port");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_local-gateway"))
        .args(["--in-memory", "--no-seed", "--no-web"])
        .env("PORT", port.to_string())
        .env("LOCAL_STATE_DIR", &state)
        .env_remove("DYNAMODB_ENDPOINT")
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("gateway binary starts");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let mut db_port = None;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(120);
    while let Ok(Ok(Some(line))) = tokio::time::timeout_at(deadline, lines.next_line()).await {
        if let Some(rest) = line.split("http://127.0.0.1:").nth(1) {
            if line.contains("DynamoDB Local is up") {
                db_port = rest.split(|c: char| !c.is_ascii_digit()).next().and_then(|p| p.parse::<u16>().ok());
            }
        }
        if line.contains("serving the API") {
            break;
        }
    }
    let db_port = db_port.expect("gateway logged DynamoDB Local's endpoint");
    let health = reqwest::get(format!("http://127.0.0.1:{port}/health")).await.expect("health answers");
    assert_eq!(health.status(), 200);
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });

    let pid = child.id().expect("pid").to_string();
    let killed = std::process::Command::new("kill").args(["-INT", &pid]).status().expect("kill");
    assert!(killed.success());
    let status = tokio::time::timeout(std::time::Duration::from_secs(20), child.wait())
        .await
        .expect("exits within 20s")
        .expect("exit status");

    assert!(status.success(), "clean exit, got {status:?}");
    assert!(std::net::TcpStream::connect(("127.0.0.1", db_port)).is_err(), "DynamoDB Local still listening");
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "gateway still listening");
    let _ = std::fs::remove_dir_all(state);
}

/// The run command serves the web client on its own port: `config.json`
/// names the API, app paths get `index.html` with the CSP, and the API
/// answers the web origin's CORS preflight for a request with a token.
#[tokio::test]
async fn the_run_command_serves_the_web_client_on_its_own_origin() {
    use tokio::io::{AsyncBufReadExt, BufReader};

    let _ = shared_dynamodb(); // makes sure DynamoDB Local is installed
    let state = std::env::temp_dir().join(format!("gw-web-{}", uuid::Uuid::new_v4()));
    let web = state.join("web");
    std::fs::create_dir_all(web.join("dist")).expect("dist");
    std::fs::write(web.join("dist/index.html"), "<!doctype html><div id=root></div>").expect("index.html");
    std::os::unix::fs::symlink(workspace_dir().join(".local/dynamodb-local"), state.join("dynamodb-local"))
        .expect("link install");
    let port = local_gateway::dynamodb_local::free_port().expect("port");
    let web_port = local_gateway::dynamodb_local::free_port().expect("port");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_local-gateway"))
        .args(["--in-memory", "--no-seed"])
        .env("PORT", port.to_string())
        .env("WEB_PORT", web_port.to_string())
        .env("WEB_DIR", &web)
        .env("LOCAL_STATE_DIR", &state)
        .env_remove("DYNAMODB_ENDPOINT")
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("gateway binary starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(120);
    let mut open_line = None;
    while let Ok(Ok(Some(line))) = tokio::time::timeout_at(deadline, lines.next_line()).await {
        if line.contains("open:") {
            open_line = Some(line);
            break;
        }
    }
    let web_origin = format!("http://127.0.0.1:{web_port}");
    let api = format!("http://127.0.0.1:{port}");
    assert!(open_line.expect("the banner says where to open the client").contains(&web_origin));

    let config: serde_json::Value =
        reqwest::get(format!("{web_origin}/config.json")).await.expect("config.json").json().await.expect("json");
    assert_eq!(config["api_url"], api.as_str());
    let page = reqwest::get(format!("{web_origin}/orders/42")).await.expect("an app path");
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"].to_str().expect("ascii").to_owned();
    assert!(csp.contains(&format!("connect-src 'self' {api};")), "{csp}");

    let preflight = reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, format!("{api}/orders"))
        .header("Origin", &web_origin)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "authorization,content-type,idempotency-key")
        .send()
        .await
        .expect("preflight");
    assert_eq!(preflight.status(), 200);
    let allowed_origin = preflight.headers()["access-control-allow-origin"].to_str().expect("ascii");
    assert!(allowed_origin == "*" || allowed_origin == web_origin, "{allowed_origin}");
    let allowed_headers = preflight.headers()["access-control-allow-headers"].to_str().expect("ascii").to_lowercase();
    for header in ["authorization", "content-type", "idempotency-key"] {
        assert!(allowed_headers.contains(header), "{allowed_headers}");
    }
    // An answer the page reads: allowed for its origin, with the headers it needs exposed.
    let answer =
        reqwest::Client::new().get(format!("{api}/orders")).header("Origin", &web_origin).send().await.expect("get");
    assert_eq!(answer.status(), 401);
    assert!(answer.headers().contains_key("access-control-allow-origin"));
    let exposed = answer.headers()["access-control-expose-headers"].to_str().expect("ascii");
    assert!(exposed.contains("Retry-After") && exposed.contains("Idempotent-Replayed"), "{exposed}");

    let pid = child.id().expect("pid").to_string();
    assert!(std::process::Command::new("kill").args(["-INT", &pid]).status().expect("kill").success());
    let status = tokio::time::timeout(std::time::Duration::from_secs(20), child.wait())
        .await
        .expect("exits within 20s")
        .expect("exit status");
    assert!(status.success(), "clean exit, got {status:?}");
    assert!(std::net::TcpStream::connect(("127.0.0.1", web_port)).is_err(), "web client still served");
    let _ = std::fs::remove_dir_all(state);
}

/// A concrete path for a route template (`/users/{id}` → `/users/x`).
fn concrete_path(template_path: &str) -> String {
    template_path
        .split('/')
        .map(|segment| if segment.starts_with('{') && segment.ends_with('}') { "x" } else { segment })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn cors_preflight_is_answered_on_every_known_path_without_a_token() {
    let app = spawn_app().await;
    let cors = app.gateway.template.cors.clone().expect("template.yaml configures Cors on the Api");

    for route in &app.gateway.template.routes {
        let request = app
            .http
            .request(reqwest::Method::OPTIONS, app.url(&concrete_path(&route.path)))
            .header("Origin", "https://app.example.com")
            .header("Access-Control-Request-Method", &route.method)
            .header("Access-Control-Request-Headers", "authorization,content-type,idempotency-key");
        let res = app.send(request).await;

        assert_eq!(res.status.as_u16(), 200, "preflight of {} {}: {}", route.method, route.path, res.body);
        for (name, value) in cors.preflight_headers() {
            assert_eq!(res.headers.get(&name).and_then(|v| v.to_str().ok()), Some(value.as_str()), "{name}");
        }
        let methods = cors.allow_methods.as_deref().unwrap_or_default();
        assert!(methods.split(',').any(|m| m.trim() == route.method), "{} not in {methods}", route.method);
    }
    let headers = cors.allow_headers.as_deref().unwrap_or_default().to_ascii_lowercase();
    for needed in ["authorization", "content-type", "idempotency-key"] {
        assert!(headers.split(',').any(|h| h.trim() == needed), "{needed} not in {headers}");
    }
}

#[tokio::test]
async fn gateway_errors_carry_the_cors_origin() {
    let app = spawn_app().await;
    let origin = app.gateway.template.cors.clone().expect("Cors").allow_origin;
    let acao = |res: &crate::helpers::Res| {
        res.headers.get("access-control-allow-origin").and_then(|v| v.to_str().ok()).map(str::to_owned)
    };

    let preflight_elsewhere = app.send(app.http.request(reqwest::Method::OPTIONS, app.url("/no/such/route"))).await;
    preflight_elsewhere.assert_error(404, "NOT_FOUND");
    assert_eq!(acao(&preflight_elsewhere), Some(origin.clone()));

    let unknown = app.get("/no/such/route", None).await;
    unknown.assert_error(404, "NOT_FOUND");
    assert_eq!(acao(&unknown), Some(origin.clone()));

    if let Some(route) = app.gateway.template.routes.iter().find(|r| r.authorized) {
        let request = app.http.request(route.method.parse().expect("method"), app.url(&concrete_path(&route.path)));
        let no_token = app.send(request).await;
        no_token.assert_error(401, "UNAUTHORIZED");
        assert_eq!(acao(&no_token), Some(origin));
    }
}

/// What docs/deploy.md promises for every function of template.yaml, however many
/// there are: the arm64 cargo-lambda build on provided.al2023, X-Ray tracing, and
/// a log group with the `LogRetentionDays` retention (shared through
/// `LoggingConfig`, or one of its own named `/aws/lambda/${Function}`).
#[test]
fn every_function_deploys_as_an_arm64_cargo_lambda_function_with_retained_logs() {
    use serde_norway::Value;

    fn tag<'v>(value: &'v Value, name: &str) -> Option<&'v Value> {
        match value {
            Value::Tagged(tagged) if tagged.tag.to_string().trim_start_matches('!') == name => Some(&tagged.value),
            _ => None,
        }
    }
    fn retention_is_the_parameter(log_group: &Value) -> bool {
        let retention = &log_group["Properties"]["RetentionInDays"];
        tag(retention, "Ref").and_then(Value::as_str) == Some("LogRetentionDays")
    }

    let doc: Value = serde_norway::from_str(local_gateway::template::TEMPLATE_YAML).expect("template.yaml parses");
    assert!(doc["Parameters"]["LogRetentionDays"].is_mapping(), "the LogRetentionDays parameter exists");
    let globals = &doc["Globals"]["Function"];
    let resources = doc["Resources"].as_mapping().expect("Resources");
    let log_groups: Vec<(&str, &Value)> = resources
        .iter()
        .filter(|(_, r)| r["Type"].as_str() == Some("AWS::Logs::LogGroup"))
        .filter_map(|(id, r)| Some((id.as_str()?, r)))
        .collect();
    let functions: Vec<(&str, &Value)> = resources
        .iter()
        .filter(|(_, r)| r["Type"].as_str() == Some("AWS::Serverless::Function"))
        .filter_map(|(id, r)| Some((id.as_str()?, r)))
        .collect();
    assert!(!functions.is_empty(), "template.yaml has functions");

    for (id, function) in functions {
        // A function's own property wins over Globals, as in SAM.
        let property = |name: &str| match &function["Properties"][name] {
            Value::Null => &globals[name],
            own => own,
        };
        assert_eq!(property("Runtime").as_str(), Some("provided.al2023"), "{id}: Runtime");
        let architectures: Vec<_> =
            property("Architectures").as_sequence().into_iter().flatten().filter_map(Value::as_str).collect();
        assert_eq!(architectures, ["arm64"], "{id}: Architectures");
        assert_eq!(property("Handler").as_str(), Some("bootstrap"), "{id}: Handler");
        assert_eq!(property("Tracing").as_str(), Some("Active"), "{id}: Tracing");
        assert_eq!(function["Metadata"]["BuildMethod"].as_str(), Some("rust-cargolambda"), "{id}: BuildMethod");
        let binary = function["Metadata"]["BuildProperties"]["Binary"].as_str().unwrap_or_default();
        assert!(!binary.is_empty(), "{id}: Metadata.BuildProperties.Binary");

        let shared_group = tag(&property("LoggingConfig")["LogGroup"], "Ref").and_then(Value::as_str);
        let has_retained_logs = match shared_group {
            Some(group) => log_groups.iter().any(|(gid, g)| *gid == group && retention_is_the_parameter(g)),
            None => log_groups.iter().any(|(_, g)| {
                let name = tag(&g["Properties"]["LogGroupName"], "Sub").and_then(Value::as_str);
                name == Some(&format!("/aws/lambda/${{{id}}}")) && retention_is_the_parameter(g)
            }),
        };
        assert!(has_retained_logs, "{id}: no log group with RetentionInDays: !Ref LogRetentionDays");
    }
}

/// With a proxy integration API Gateway adds no CORS headers to a function's own
/// answers, so every function response carries the configured origin itself.
#[tokio::test]
async fn function_responses_carry_the_cors_origin() {
    let app = crate::helpers::spawn_app().await;

    let ok = app.get("/health", None).await;
    let refused = app.post("/auth/login", &serde_json::json!({}), None).await;

    for res in [&ok, &refused] {
        assert_eq!(res.headers.get("access-control-allow-origin").map(|v| v.to_str().ok()), Some(Some("*")));
    }

    let mut options = crate::helpers::test_options();
    options.env_overrides = vec![("CORS_ALLOW_ORIGIN".into(), "https://shop.example".into())];
    let app = crate::helpers::spawn_app_with(options).await;
    let res = app.get("/products", None).await;
    assert_eq!(res.headers["access-control-allow-origin"], "https://shop.example");
    assert_eq!(res.headers["vary"], "Origin");
}

/// Issue 11, item 7: no answer may be stored by a browser or a cache (tokens,
/// RFC 6749 §5.1; personal data), none may be sniffed, and a browser client
/// may read `Retry-After` and `Idempotent-Replayed` — functions' answers and
/// API Gateway's own alike.
#[tokio::test]
async fn every_answer_carries_no_store_nosniff_and_the_exposed_headers() {
    let mut options = crate::helpers::test_options();
    options.env_overrides = vec![("LOGIN_MAX_FAILURES".into(), "1".into())];
    let app = crate::helpers::spawn_app_with(options).await;
    app.create_user("headers", "headers-password-1", shared::domain::Role::User).await;

    let login = app.login("headers", "headers-password-1").await;
    let token = login.assert_ok(200)["access_token"].as_str().expect("token").to_owned();
    app.login("headers", "wrong").await.assert_error(401, "UNAUTHORIZED");
    let answers = [
        ("token response", login),
        ("personal data", app.get("/users/profile", Some(&token)).await),
        ("function 404", app.get("/products/none", None).await),
        ("function 429", app.login("headers", "wrong").await),
        ("gateway 401", app.get("/users/profile", None).await),
        ("gateway 404", app.get("/no/such/route", None).await),
        ("gateway 413", app.post_raw("/health", "application/json", vec![b' '; 10 * 1024 * 1024 + 1]).await),
    ];

    for (what, res) in &answers {
        let header = |name: &str| res.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert_eq!(header("cache-control"), "no-store", "{what}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{what}");
        let exposed: Vec<String> =
            header("access-control-expose-headers").split(',').map(|h| h.trim().to_ascii_lowercase()).collect();
        for needed in ["retry-after", "idempotent-replayed"] {
            assert!(exposed.iter().any(|h| h == needed), "{what}: {needed} not exposed in {exposed:?}");
        }
    }
    // Every gateway response of the template carries them, not only those seen above.
    for (kind, response) in &app.gateway.template.gateway_responses {
        let names: Vec<String> = response.headers.iter().map(|(name, _)| name.to_ascii_lowercase()).collect();
        for needed in ["cache-control", "x-content-type-options", "access-control-expose-headers"] {
            assert!(names.iter().any(|n| n == needed), "gateway response {kind} lacks {needed}");
        }
    }
}

/// A stack kept on disk follows the template: an index the template gained
/// since the tables were created is added at the next start (the sessions'
/// `by_user` on the auth table, for data from before it existed).
#[tokio::test]
async fn a_start_adds_the_indexes_the_template_gained() {
    use aws_sdk_dynamodb::types::{AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType};
    // A DynamoDB Local of its own: the shared one, busy creating every other
    // test's tables, can take minutes to fill a new index.
    let db = local_gateway::dynamodb_local::DynamoDbLocal::start(
        crate::helpers::installation(),
        &local_gateway::dynamodb_local::Storage::InMemory,
        0,
    )
    .await
    .expect("DynamoDB Local starts");
    let mut options = crate::helpers::test_options();
    options.database = local_gateway::Database::Endpoint(db.endpoint());
    let env =
        shared::config::Env::from_pairs([("DYNAMODB_ENDPOINT", db.endpoint().as_str()), ("AWS_REGION", "us-east-1")]);
    let client = shared::db::client_with(&env, shared::db::Patience::SETUP).await.expect("client");
    let auth = format!("{}-auth", options.stack_name);
    client
        .create_table()
        .table_name(&auth)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("pk"),
        )
        .key_schema(KeySchemaElement::builder().attribute_name("pk").key_type(KeyType::Hash).build().expect("key"))
        .send()
        .await
        .expect("an auth table as it was before sessions were listed");

    let app = crate::helpers::spawn_app_with(options).await;

    let described = app.gateway.client.describe_table().table_name(&auth).send().await.expect("table");
    let table = described.table().expect("table");
    let indexes: Vec<_> = table.global_secondary_indexes().iter().filter_map(|i| i.index_name()).collect();
    assert_eq!(indexes, ["by_user"]);
    let session = app.user_session("returning", shared::domain::Role::User).await;
    app.get("/auth/sessions", Some(&session.access)).await.assert_ok(200);
    app.gateway.stop().await;
    db.stop().await;
}
