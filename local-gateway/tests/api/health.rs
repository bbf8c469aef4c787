use std::time::{Duration, Instant};

use local_gateway::dynamodb_local::{free_port, DynamoDbLocal, Storage};
use local_gateway::Database;

use crate::helpers::{installation, spawn_app, spawn_app_with, test_options};

#[tokio::test]
async fn health_is_200_and_lists_every_table() {
    let app = spawn_app().await;

    let res = app.get("/health", None).await;

    let data = res.assert_ok(200);
    assert_eq!(data["status"], "ok");
    for table in ["auth", "users", "products", "orders", "carts", "notifications", "audit"] {
        assert_eq!(data["tables"][table], "ACTIVE", "table {table} in {data}");
    }
    assert_eq!(data["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn health_is_503_while_dynamodb_is_down_and_200_once_it_is_back() {
    // A DynamoDB Local of this test's own, with its data on disk so that the
    // tables survive the restart.
    let data_dir = std::env::temp_dir().join(format!("ddb-fault-{}", uuid::Uuid::new_v4()));
    let storage = Storage::Directory(data_dir.clone());
    let port = free_port().expect("free port");
    let db = DynamoDbLocal::start(installation(), &storage, port).await.expect("starts");
    let mut options = test_options();
    options.database = Database::Endpoint(db.endpoint());
    let app = spawn_app_with(options).await;
    app.get("/health", None).await.assert_ok(200);

    db.stop().await;
    let started = Instant::now();
    let res = app.get("/health", None).await;
    res.assert_error(503, "SERVICE_UNAVAILABLE");
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());

    let db = DynamoDbLocal::start(installation(), &storage, port).await.expect("restarts");
    let res = app.get("/health", None).await;
    res.assert_ok(200);

    db.stop().await;
    let _ = std::fs::remove_dir_all(data_dir);
}

/// A DynamoDB Local dropped without `stop()` (a failing test, a panic) still
/// goes away: the watchdog sees its pipe close and stops Java.
#[tokio::test]
async fn a_dropped_dynamodb_local_leaves_no_java_behind() {
    let db = DynamoDbLocal::start(installation(), &Storage::InMemory, 0).await.expect("starts");
    let port = db.port();

    drop(db);

    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
        assert!(Instant::now() < deadline, "DynamoDB Local still listens on {port}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
