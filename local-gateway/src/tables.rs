//! Creates the template's tables in DynamoDB, creating only what is missing.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, StreamSpecification, StreamViewType, TimeToLiveSpecification,
};
use aws_sdk_dynamodb::Client;

use crate::template::{KeyElement, TableSpec};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn keys(elements: &[KeyElement]) -> Result<Vec<KeySchemaElement>, BoxError> {
    elements
        .iter()
        .map(|k| {
            Ok(KeySchemaElement::builder()
                .attribute_name(&k.attribute)
                .key_type(KeyType::from(k.key_type.as_str()))
                .build()?)
        })
        .collect()
}

/// Creates each table that does not exist yet; returns the names it created.
pub async fn ensure_tables(client: &Client, tables: &[TableSpec]) -> Result<Vec<String>, BoxError> {
    let mut existing = Vec::new();
    let mut pages = client.list_tables().into_paginator().send();
    while let Some(page) = pages.next().await {
        existing.extend(page?.table_names().iter().cloned());
    }
    let mut created = Vec::new();
    for table in tables {
        if existing.contains(&table.name) {
            enable_stream(client, table).await?;
        } else {
            create_table(client, table).await?;
            created.push(table.name.clone());
        }
    }
    Ok(created)
}

fn stream_spec(view_type: &str) -> Result<StreamSpecification, BoxError> {
    Ok(StreamSpecification::builder().stream_enabled(true).stream_view_type(StreamViewType::from(view_type)).build()?)
}

/// A table kept from an earlier run (`.local/data`) that the template has since
/// given a stream: enable it, as a stack update would.
async fn enable_stream(client: &Client, table: &TableSpec) -> Result<(), BoxError> {
    let Some(view_type) = &table.stream_view_type else { return Ok(()) };
    let described = client.describe_table().table_name(&table.name).send().await?;
    if described.table().and_then(|t| t.stream_specification()).is_some_and(|s| s.stream_enabled()) {
        return Ok(());
    }
    client.update_table().table_name(&table.name).stream_specification(stream_spec(view_type)?).send().await?;
    tracing::info!(table = %table.name, "enabled the table's stream");
    Ok(())
}

async fn create_table(client: &Client, table: &TableSpec) -> Result<(), BoxError> {
    let mut request = client
        .create_table()
        .table_name(&table.name)
        .billing_mode(BillingMode::PayPerRequest)
        .set_key_schema(Some(keys(&table.keys)?));
    for (name, kind) in &table.attributes {
        request = request.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::from(kind.as_str()))
                .build()?,
        );
    }
    for index in &table.indexes {
        request = request.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(&index.name)
                .set_key_schema(Some(keys(&index.keys)?))
                .projection(
                    Projection::builder().projection_type(ProjectionType::from(index.projection.as_str())).build(),
                )
                .build()?,
        );
    }
    if let Some(view_type) = &table.stream_view_type {
        request = request.stream_specification(stream_spec(view_type)?);
    }
    request.send().await?;
    if let Some(attribute) = &table.ttl_attribute {
        client
            .update_time_to_live()
            .table_name(&table.name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder().attribute_name(attribute).enabled(true).build()?,
            )
            .send()
            .await?;
    }
    tracing::info!(table = %table.name, "created table");
    Ok(())
}
