//! One page of a `Query` on a secondary index, newest first: a user's orders
//! or status changes, sessions, audit events. The partition is pinned in the
//! cursor, so a cursor can never start the query in another partition.
//!
//! A filter is applied after DynamoDB reads a page, so a filtered page may hold
//! fewer than `limit` items; up to [`MAX_FILTERED_READS`] reads fill one page,
//! each asking only for the items still missing, so the cursor is exact.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;

use crate::repo::cursor;
use crate::repo::error::StoreError;
use crate::repo::item::{s, Item};
use crate::repo::page::{ListError, PageRequest};

/// At most this many index reads per page when a filter thins them out.
pub const MAX_FILTERED_READS: usize = 4;

/// A filter expression with the names and values it uses.
#[derive(Debug, Clone, Default)]
pub(crate) struct Filter {
    pub expression: String,
    pub names: HashMap<String, String>,
    pub values: HashMap<String, AttributeValue>,
}

/// A query of one index partition, descending by its sort key.
#[derive(Debug, Clone)]
pub(crate) struct IndexQuery<'a> {
    pub table: &'a str,
    pub index: &'a str,
    /// The partition key attribute and its value.
    pub partition: (&'a str, String),
    /// The sort key attribute.
    pub sort_key: &'a str,
    /// Only sort keys between these two (inclusive), if given.
    pub between: Option<(String, String)>,
    pub filter: Option<Filter>,
    /// What a cursor of this query is bound to (the partition, the filters).
    pub scope: String,
}

impl IndexQuery<'_> {
    /// One page of raw items and the cursor of the next one.
    pub(crate) async fn page(
        &self,
        client: &Client,
        page: &PageRequest,
    ) -> Result<(Vec<Item>, Option<String>), ListError> {
        let (partition_attribute, partition) = (&self.partition.0, &self.partition.1);
        let mut start_key = match &page.cursor {
            Some(raw) => Some(cursor::decode(
                raw,
                &self.scope,
                &["pk", partition_attribute, self.sort_key],
                &[(partition_attribute, partition)],
            )?),
            None => None,
        };
        let mut key_condition = "#pk = :pk".to_owned();
        let mut names: HashMap<String, String> = [("#pk".to_owned(), partition_attribute.to_string())].into();
        let mut values: HashMap<String, AttributeValue> = [(":pk".to_owned(), s(partition))].into();
        if let Some((from, to)) = &self.between {
            key_condition.push_str(" AND #sk BETWEEN :from AND :to");
            names.insert("#sk".into(), self.sort_key.to_owned());
            values.insert(":from".into(), s(from));
            values.insert(":to".into(), s(to));
        }
        if let Some(filter) = &self.filter {
            names.extend(filter.names.clone());
            values.extend(filter.values.clone());
        }
        let limit = usize::from(page.limit);
        let mut items = Vec::new();
        for _ in 0..MAX_FILTERED_READS {
            let out = client
                .query()
                .table_name(self.table)
                .index_name(self.index)
                .key_condition_expression(&key_condition)
                .set_filter_expression(self.filter.as_ref().map(|f| f.expression.clone()))
                .set_expression_attribute_names(Some(names.clone()))
                .set_expression_attribute_values(Some(values.clone()))
                .scan_index_forward(false)
                .limit((limit - items.len()) as i32)
                .set_exclusive_start_key(start_key.take())
                .send()
                .await
                .map_err(StoreError::from)?;
            items.extend(out.items().iter().cloned());
            start_key = out.last_evaluated_key().filter(|k| !k.is_empty()).cloned();
            if items.len() >= limit || start_key.is_none() || self.filter.is_none() {
                break;
            }
        }
        Ok((items, cursor::next(&self.scope, start_key.as_ref())))
    }
}
