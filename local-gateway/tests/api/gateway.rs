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
/// every binary has a function: the template and the code cannot drift.
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

    let mut registered: Vec<String> = functions::registry().iter().map(|(name, _)| name.to_string()).collect();
    if let Some(authorizer) = &template.authorizer {
        assert!(functions::authorizer().is_some(), "authorizer {} is not registered", authorizer.binary);
        registered.push(authorizer.binary.clone());
    }
    registered.sort();
    assert_eq!(registered, in_template, "functions::registry() vs template.yaml functions");

    for route in &template.routes {
        assert!(route.path.starts_with('/'), "{route:?}");
        let bin = bin_dir.join(format!("{}.rs", route.binary));
        let source = std::fs::read_to_string(&bin).expect("binary source");
        assert!(source.lines().count() <= 5, "{} should stay a thin wrapper", bin.display());
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
        .args(["--in-memory", "--no-seed"])
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
