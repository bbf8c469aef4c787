//! `spawn_app()` and request helpers shared by every API test.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use local_gateway::dynamodb_local::{self, Installation, Storage};
use local_gateway::{Database, Options, RunningGateway};
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::Value;

pub const TEST_SECRET: &str = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz";

pub fn workspace_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// DynamoDB Local's installation (fetched once into the workspace's `.local/`).
pub fn installation() -> &'static Installation {
    static INSTALL: OnceLock<Installation> = OnceLock::new();
    INSTALL.get_or_init(|| {
        // On a thread of its own: tests call this from inside their runtime.
        std::thread::spawn(|| {
            let runtime = tokio::runtime::Runtime::new().expect("runtime");
            runtime
                .block_on(dynamodb_local::ensure_installed(&workspace_dir().join(".local/dynamodb-local")))
                .expect("DynamoDB Local installs")
        })
        .join()
        .expect("install thread")
    })
}

/// The endpoint of this test binary's DynamoDB Local, started on first use. It
/// lives on a thread of its own so it outlives every test's runtime, and it dies
/// with the test process (see `dynamodb_local`'s watchdog).
pub fn shared_dynamodb() -> &'static str {
    static ENDPOINT: OnceLock<String> = OnceLock::new();
    ENDPOINT.get_or_init(|| {
        let install = installation().clone();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().expect("runtime");
            runtime.block_on(async move {
                let db = dynamodb_local::DynamoDbLocal::start(&install, &Storage::InMemory, 0)
                    .await
                    .expect("DynamoDB Local starts");
                tx.send(db.endpoint()).expect("send endpoint");
                std::future::pending::<()>().await;
                drop(db);
            });
        });
        rx.recv().expect("DynamoDB Local endpoint")
    })
}

pub fn unique_stack() -> String {
    format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
}

pub struct TestApp {
    pub gateway: RunningGateway,
    pub http: reqwest::Client,
}

/// A response as tests look at it.
#[derive(Debug)]
pub struct Res {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Res {
    /// Asserts the error envelope with `code` and returns the error object.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) -> &Value {
        assert_eq!(self.status.as_u16(), status, "unexpected status, body: {}", self.body);
        assert_eq!(self.body["success"], false, "body: {}", self.body);
        assert_eq!(self.body["error"]["code"], code, "body: {}", self.body);
        assert!(self.body["error"]["message"].is_string(), "body: {}", self.body);
        &self.body["error"]
    }

    /// Asserts a success envelope with `status` and returns `data`.
    #[track_caller]
    pub fn assert_ok(&self, status: u16) -> &Value {
        assert_eq!(self.status.as_u16(), status, "unexpected status, body: {}", self.body);
        assert_eq!(self.body["success"], true, "body: {}", self.body);
        &self.body["data"]
    }
}

/// Options for a test gateway against the shared DynamoDB Local.
pub fn test_options() -> Options {
    let mut options = Options::new(unique_stack(), Database::Endpoint(shared_dynamodb().to_owned()), TEST_SECRET);
    options.seed = false;
    options
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(test_options()).await
}

pub async fn spawn_app_with(options: Options) -> TestApp {
    let gateway = local_gateway::start(options).await.expect("gateway starts");
    TestApp { gateway, http: reqwest::Client::new() }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.gateway.url(), path)
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Res {
        let response = request.send().await.expect("request is answered");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Res { status, headers, body }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Res {
        self.send(with_token(self.http.get(self.url(path)), token)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Res {
        self.send(with_token(self.http.delete(self.url(path)), token)).await
    }

    pub async fn post(&self, path: &str, body: &Value, token: Option<&str>) -> Res {
        self.send(with_token(self.http.post(self.url(path)).json(body), token)).await
    }

    pub async fn put(&self, path: &str, body: &Value, token: Option<&str>) -> Res {
        self.send(with_token(self.http.put(self.url(path)).json(body), token)).await
    }

    pub async fn post_raw(&self, path: &str, content_type: &str, body: impl Into<reqwest::Body>) -> Res {
        self.send(self.http.post(self.url(path)).header("content-type", content_type).body(body)).await
    }
}

fn with_token(request: reqwest::RequestBuilder, token: Option<&str>) -> reqwest::RequestBuilder {
    match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    }
}

/// A signed-in test user.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: String,
    pub access: String,
    pub refresh: String,
}

impl TestApp {
    /// Creates a user straight in the users table (no HTTP, no policy).
    pub async fn create_user(&self, username: &str, password: &str, role: shared::domain::Role) -> String {
        let users = shared::repo::users::UsersRepo::new(self.gateway.client.clone(), self.table("users"));
        let now = shared::clock::Now::read().rfc3339();
        let user = shared::repo::users::UserRecord {
            id: uuid::Uuid::new_v4().to_string(),
            username: username.to_owned(),
            email: None,
            full_name: None,
            role,
            password_hash: shared::password::hash_blocking(password).expect("hash"),
            created_at: now.clone(),
            updated_at: now,
        };
        users.create(&user).await.expect("user created");
        user.id
    }

    /// The table name of a domain (`auth`, `users`, `products`, `orders`).
    pub fn table(&self, domain: &str) -> String {
        format!("{}-{domain}", self.stack())
    }

    pub fn stack(&self) -> String {
        let users = &self.gateway.template.tables.iter().find(|t| t.logical_id == "UsersTable").expect("users").name;
        users.trim_end_matches("-users").to_owned()
    }

    pub async fn login(&self, username: &str, password: &str) -> Res {
        self.post("/auth/login", &serde_json::json!({"username": username, "password": password}), None).await
    }

    /// Logs in and returns the tokens, failing the test otherwise.
    pub async fn session(&self, username: &str, password: &str) -> Session {
        let res = self.login(username, password).await;
        let data = res.assert_ok(200);
        Session {
            user_id: data["user"]["id"].as_str().expect("id").to_owned(),
            access: data["access_token"].as_str().expect("access").to_owned(),
            refresh: data["refresh_token"].as_str().expect("refresh").to_owned(),
        }
    }

    /// A new user with the given role, logged in.
    pub async fn user_session(&self, username: &str, role: shared::domain::Role) -> Session {
        let password = format!("{username}-secret-pass");
        self.create_user(username, &password, role).await;
        self.session(username, &password).await
    }

    pub async fn refresh(&self, refresh_token: &str) -> Res {
        self.post("/auth/refresh", &serde_json::json!({"refresh_token": refresh_token}), None).await
    }

    /// The token service the gateway's functions use, for crafting tokens.
    pub fn tokens(&self) -> shared::token::TokenService {
        shared::token::TokenService::from_env(&self.gateway.function_env).expect("token settings")
    }
}

/// A product body with the given fields.
pub fn product_body(name: &str, price: i64, stock: i64, category: &str) -> Value {
    serde_json::json!({"name": name, "description": format!("About {name}"), "price": price, "stock": stock, "category": category})
}

impl TestApp {
    /// Sends `POST path` with extra headers.
    pub async fn post_with_headers(
        &self,
        path: &str,
        body: &Value,
        token: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Res {
        let mut request = with_token(self.http.post(self.url(path)).json(body), token);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request).await
    }

    /// Creates a product through the API as `admin_token`; returns its id.
    pub async fn create_product(
        &self,
        admin_token: &str,
        name: &str,
        price: i64,
        stock: i64,
        category: &str,
    ) -> String {
        let res = self.post("/products", &product_body(name, price, stock, category), Some(admin_token)).await;
        res.assert_ok(201)["id"].as_str().expect("product id").to_owned()
    }

    /// The product's current stock, read through the public API.
    pub async fn stock_of(&self, product_id: &str) -> i64 {
        let res = self.get(&format!("/products/{product_id}"), None).await;
        res.assert_ok(200)["stock"].as_i64().expect("stock")
    }

    /// Places an order of `(product_id, quantity)` lines.
    pub async fn order(&self, token: &str, lines: &[(&str, i64)]) -> Res {
        self.post("/orders", &order_body(lines), Some(token)).await
    }

    /// Follows `next_cursor` from `path` (which must already carry a `?`) and
    /// returns every page's items.
    pub async fn all_pages(&self, path: &str, token: Option<&str>) -> Vec<Vec<Value>> {
        let mut pages = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let url = match &cursor {
                Some(c) => format!("{path}&cursor={c}"),
                None => path.to_owned(),
            };
            let res = self.get(&url, token).await;
            let data = res.assert_ok(200);
            pages.push(data["items"].as_array().expect("items").clone());
            match data["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
            assert!(pages.len() < 1_000, "pagination does not end");
        }
        pages
    }
}

/// `{items: [{product_id, quantity}, ...]}`.
pub fn order_body(lines: &[(&str, i64)]) -> Value {
    let items: Vec<Value> =
        lines.iter().map(|(id, qty)| serde_json::json!({"product_id": id, "quantity": qty})).collect();
    serde_json::json!({ "items": items })
}

impl TestApp {
    /// `PUT /cart/items/{product_id}` with `{quantity}`.
    pub async fn put_in_cart(&self, token: &str, product_id: &str, quantity: i64) -> Res {
        self.put(&format!("/cart/items/{product_id}"), &serde_json::json!({ "quantity": quantity }), Some(token)).await
    }

    /// `POST /cart/checkout` without a body, with an `Idempotency-Key` if given.
    pub async fn checkout(&self, token: &str, key: Option<&str>) -> Res {
        let mut request = self.http.post(self.url("/cart/checkout")).bearer_auth(token);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        self.send(request).await
    }
}

/// An app with an admin, a shopper and two products (stock 10 and 3).
pub struct Shop {
    pub app: TestApp,
    pub admin: Session,
    pub ann: Session,
    pub lamp: String,
    pub desk: String,
}

pub async fn shop() -> Shop {
    let app = spawn_app().await;
    let admin = app.user_session("boss", shared::domain::Role::Admin).await;
    let ann = app.user_session("ann", shared::domain::Role::User).await;
    let lamp = app.create_product(&admin.access, "Desk Lamp", 2_999, 10, "office").await;
    let desk = app.create_product(&admin.access, "Standing Desk", 49_900, 3, "office").await;
    Shop { app, admin, ann, lamp, desk }
}

impl Shop {
    /// Asserts that `order` is `user_id`'s new order of two lamps and a desk,
    /// at the shop's prices: what `POST /orders` and a checkout both make.
    #[track_caller]
    pub fn assert_two_lamps_and_a_desk(&self, order: &Value, user_id: &str) {
        assert_eq!(order["user_id"], user_id);
        assert_eq!(order["status"], "pending");
        assert_eq!(
            order["items"],
            serde_json::json!([
                {"product_id": self.lamp, "name": "Desk Lamp", "unit_price": 2_999, "quantity": 2, "line_total": 5_998},
                {"product_id": self.desk, "name": "Standing Desk", "unit_price": 49_900, "quantity": 1, "line_total": 49_900},
            ])
        );
        assert_eq!(order["total"], 55_898);
        assert_eq!(order["created_at"], order["updated_at"]);
        let keys: Vec<_> = order.as_object().expect("object").keys().cloned().collect();
        assert_eq!(keys, ["id", "user_id", "items", "total", "status", "created_at", "updated_at"]);
    }
}

/// The `field` of every `details` entry of a validation error.
pub fn detail_fields(error: &Value) -> Vec<String> {
    error["details"]
        .as_array()
        .expect("details")
        .iter()
        .map(|d| d["field"].as_str().expect("field").to_owned())
        .collect()
}
