//! `GET /health`: the service's version and the status of every table.

use aws_sdk_dynamodb::Client;
use lambda_http::Request;
use serde::Serialize;
use shared::access::Public;
use shared::config::{ConfigError, Tables};
use shared::http::Reply;
use shared::repo::tables::table_status;
use shared::{ApiError, ApiResult, InitContext, Route};
use std::collections::BTreeMap;

pub struct Health {
    client: Client,
    tables: Tables,
}

#[derive(Debug, Serialize)]
struct HealthReport {
    status: &'static str,
    tables: BTreeMap<&'static str, String>,
    version: &'static str,
}

impl Route for Health {
    type Caller = Public;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { tables: ctx.tables()?, client: ctx.dynamodb().await? })
    }

    async fn handle(&self, _caller: Public, _req: Request) -> ApiResult<Reply> {
        let [auth, users, products, orders, audit] = self.tables.all();
        let client = &self.client;
        let (a, u, p, o, e) = tokio::join!(
            table_status(client, auth.1),
            table_status(client, users.1),
            table_status(client, products.1),
            table_status(client, orders.1),
            table_status(client, audit.1),
        );
        let tables: BTreeMap<_, _> =
            [(auth.0, a?), (users.0, u?), (products.0, p?), (orders.0, o?), (audit.0, e?)].into_iter().collect();
        let not_ready: Vec<_> = tables.iter().filter(|(_, s)| *s != "ACTIVE").map(|(n, _)| *n).collect();
        if !not_ready.is_empty() {
            return Err(ApiError::Unavailable(format!("tables not ready: {}", not_ready.join(", "))));
        }
        Ok(Reply::ok(HealthReport { status: "ok", tables, version: env!("CARGO_PKG_VERSION") }))
    }
}
