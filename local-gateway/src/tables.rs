//! Creates the template's tables in DynamoDB, creating only what is missing.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, TimeToLiveSpecification,
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
    for table in tables.iter().filter(|t| !existing.contains(&t.name)) {
        create_table(client, table).await?;
        created.push(table.name.clone());
    }
    Ok(created)
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
