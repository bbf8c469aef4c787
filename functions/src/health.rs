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
        // Every table at once: one DescribeTable each.
        let mut checks = tokio::task::JoinSet::new();
        for (name, table) in self.tables.all() {
            let (client, table) = (self.client.clone(), table.to_owned());
            checks.spawn(async move { (name, table_status(&client, &table).await) });
        }
        let mut tables = BTreeMap::new();
        while let Some(checked) = checks.join_next().await {
            let (name, status) = checked.map_err(ApiError::internal)?;
            tables.insert(name, status?);
        }
        let not_ready: Vec<_> = tables.iter().filter(|(_, s)| *s != "ACTIVE").map(|(n, _)| *n).collect();
        if !not_ready.is_empty() {
            return Err(ApiError::Unavailable(format!("tables not ready: {}", not_ready.join(", "))));
        }
        Ok(Reply::ok(HealthReport { status: "ok", tables, version: env!("CARGO_PKG_VERSION") }))
    }
}
