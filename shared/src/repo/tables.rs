//! Table-level probes used by the health check.

use aws_sdk_dynamodb::Client;

use crate::repo::error::{error_code, StoreError};

/// The status of one table as DynamoDB reports it (`ACTIVE`, `CREATING`, ...),
/// or `MISSING` when it does not exist.
pub async fn table_status(client: &Client, table: &str) -> Result<String, StoreError> {
    match client.describe_table().table_name(table).send().await {
        Ok(out) => Ok(out
            .table()
            .and_then(|t| t.table_status())
            .map(|s| s.as_str().to_owned())
            .unwrap_or_else(|| "UNKNOWN".to_owned())),
        Err(err) if error_code(&err) == Some("ResourceNotFoundException") => Ok("MISSING".to_owned()),
        Err(err) => Err(err.into()),
    }
}
