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

/// Creates each table that does not exist yet, and each index the template
/// has added to a table that does (as a CloudFormation update would, so a
/// local stack kept on disk follows the template); returns what it created.
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
            for index in add_missing_indexes(client, table).await? {
                created.push(format!("{}/index/{index}", table.name));
            }
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

fn index_of(index: &crate::template::IndexSpec) -> Result<GlobalSecondaryIndex, BoxError> {
    Ok(GlobalSecondaryIndex::builder()
        .index_name(&index.name)
        .set_key_schema(Some(keys(&index.keys)?))
        .projection(Projection::builder().projection_type(ProjectionType::from(index.projection.as_str())).build())
        .build()?)
}

fn attribute(name: &str, kind: &str) -> Result<AttributeDefinition, BoxError> {
    Ok(AttributeDefinition::builder().attribute_name(name).attribute_type(ScalarAttributeType::from(kind)).build()?)
}

/// Adds the template's indexes a table lacks, one `UpdateTable` each (DynamoDB
/// creates one index at a time).
async fn add_missing_indexes(client: &Client, table: &TableSpec) -> Result<Vec<String>, BoxError> {
    let described = client.describe_table().table_name(&table.name).send().await?;
    let present: Vec<String> = described
        .table()
        .map(|t| t.global_secondary_indexes().iter().filter_map(|i| i.index_name().map(str::to_owned)).collect())
        .unwrap_or_default();
    let mut added = Vec::new();
    for index in table.indexes.iter().filter(|i| !present.contains(&i.name)) {
        let create = aws_sdk_dynamodb::types::CreateGlobalSecondaryIndexAction::builder()
            .index_name(&index.name)
            .set_key_schema(Some(keys(&index.keys)?))
            .projection(Projection::builder().projection_type(ProjectionType::from(index.projection.as_str())).build())
            .build()?;
        let definitions = index
            .keys
            .iter()
            .filter_map(|k| table.attributes.get(&k.attribute).map(|kind| attribute(&k.attribute, kind)))
            .collect::<Result<Vec<_>, _>>()?;
        client
            .update_table()
            .table_name(&table.name)
            .set_attribute_definitions(Some(definitions))
            .global_secondary_index_updates(
                aws_sdk_dynamodb::types::GlobalSecondaryIndexUpdate::builder().create(create).build(),
            )
            .send()
            .await?;
        wait_until_active(client, &table.name, &index.name).await?;
        tracing::info!(table = %table.name, index = %index.name, "added an index from template.yaml");
        added.push(index.name.clone());
    }
    Ok(added)
}

/// Waits (up to two minutes) until a new index has been filled and can be queried.
async fn wait_until_active(client: &Client, table: &str, index: &str) -> Result<(), BoxError> {
    use aws_sdk_dynamodb::types::IndexStatus;
    let started = std::time::Instant::now();
    for _ in 0..1200 {
        let described = client.describe_table().table_name(table).send().await?;
        let status = described
            .table()
            .and_then(|t| t.global_secondary_indexes().iter().find(|i| i.index_name() == Some(index)).cloned())
            .and_then(|i| i.index_status().cloned());
        if status == Some(IndexStatus::Active) {
            tracing::debug!(%table, %index, ms = started.elapsed().as_millis() as u64, "index active");
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Err(format!("index {index} of {table} did not become active").into())
}

async fn create_table(client: &Client, table: &TableSpec) -> Result<(), BoxError> {
    let mut request = client
        .create_table()
        .table_name(&table.name)
        .billing_mode(BillingMode::PayPerRequest)
        .set_key_schema(Some(keys(&table.keys)?));
    for (name, kind) in &table.attributes {
        request = request.attribute_definitions(attribute(name, kind)?);
    }
    for index in &table.indexes {
        request = request.global_secondary_indexes(index_of(index)?);
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
