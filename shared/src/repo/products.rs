//! The products table: one item per product, listed through the `by_name` and
//! `by_category` indexes. Key design: docs/dynamodb.md.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use aws_sdk_dynamodb::Client;
use serde::Serialize;

use crate::domain::{Category, Cents, Description, ProductName, SearchTerm, Stock};
use crate::repo::cursor;
use crate::repo::error::{condition_failed, StoreError};
use crate::repo::item::{batch_get, get_by_pk, get_n, get_s, n, opt_s, s, Item};
use crate::repo::page::{ListError, Page, PageRequest};

pub(crate) const LIST_PK: &str = "PRODUCT";
const BY_NAME: &str = "by_name";
const BY_CATEGORY: &str = "by_category";
/// At most this many index reads per page when a `?q=` filter thins them out.
const MAX_FILTERED_READS: usize = 4;

pub(crate) fn product_key(id: &str) -> String {
    format!("PRODUCT#{id}")
}

/// A product as stored and as clients see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Product {
    pub id: String,
    pub name: String,
    pub description: String,
    /// Integer cents.
    pub price: i64,
    pub stock: i64,
    pub category: String,
    pub created_at: String,
    pub updated_at: String,
}

/// Why a product could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateProductError {
    /// A product with this id exists.
    #[error("product {0:?} already exists")]
    IdTaken(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A new product's parsed fields.
#[derive(Debug, Clone)]
pub struct NewProduct {
    pub name: ProductName,
    pub description: Description,
    pub price: Cents,
    pub stock: Stock,
    pub category: Category,
}

/// The fields a `PUT` changes; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct ProductPatch {
    pub name: Option<ProductName>,
    pub description: Option<Description>,
    pub price: Option<Cents>,
    pub stock: Option<Stock>,
    pub category: Option<Category>,
}

impl ProductPatch {
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.description.is_none()
            && self.price.is_none()
            && self.stock.is_none()
            && self.category.is_none()
    }
}

/// What `GET /products` lists.
#[derive(Debug, Clone, Default)]
pub struct ProductFilter {
    pub category: Option<Category>,
    pub q: Option<SearchTerm>,
}

fn name_sk(name_lower: &str, id: &str) -> String {
    format!("{name_lower}#{id}")
}

impl Product {
    fn to_item(&self) -> Item {
        let lower = self.name.to_lowercase();
        [
            ("pk".to_owned(), s(product_key(&self.id))),
            ("id".to_owned(), s(&self.id)),
            ("name".to_owned(), s(&self.name)),
            ("description".to_owned(), s(&self.description)),
            ("price".to_owned(), n(self.price)),
            ("stock".to_owned(), n(self.stock)),
            ("category".to_owned(), s(&self.category)),
            ("created_at".to_owned(), s(&self.created_at)),
            ("updated_at".to_owned(), s(&self.updated_at)),
            ("list_pk".to_owned(), s(LIST_PK)),
            ("name_sk".to_owned(), s(name_sk(&lower, &self.id))),
            ("name_lc".to_owned(), s(lower)),
        ]
        .into()
    }

    pub(crate) fn from_item(item: &Item) -> Result<Self, StoreError> {
        Ok(Self {
            id: get_s(item, "id")?,
            name: get_s(item, "name")?,
            description: opt_s(item, "description").unwrap_or_default(),
            price: get_n(item, "price")?,
            stock: get_n(item, "stock")?,
            category: get_s(item, "category")?,
            created_at: get_s(item, "created_at")?,
            updated_at: get_s(item, "updated_at")?,
        })
    }
}

#[derive(Clone)]
pub struct ProductsRepo {
    client: Client,
    table: String,
}

impl ProductsRepo {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }

    /// Stores a new product with a fresh id, or `id` when given (demo data),
    /// unless a product with that id exists.
    pub async fn create(&self, new: NewProduct, id: Option<&str>, now: &str) -> Result<Product, CreateProductError> {
        let product = Product {
            id: id.map(str::to_owned).unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            name: new.name.as_str().to_owned(),
            description: new.description.as_str().to_owned(),
            price: new.price.get(),
            stock: new.stock.get(),
            category: new.category.as_str().to_owned(),
            created_at: now.to_owned(),
            updated_at: now.to_owned(),
        };
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(product.to_item()))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(product),
            Err(err) if condition_failed(&err) => Err(CreateProductError::IdTaken(product.id)),
            Err(err) => Err(StoreError::from(err).into()),
        }
    }

    /// A product by id (strongly consistent).
    pub async fn get(&self, id: &str) -> Result<Option<Product>, StoreError> {
        let out = get_by_pk(&self.client, &self.table, product_key(id)).await?;
        out.as_ref().map(Product::from_item).transpose()
    }

    /// Several products by id (at most 100, strongly consistent), keyed by id;
    /// unknown ids are simply absent.
    pub async fn get_many(&self, ids: &[&str]) -> Result<HashMap<String, Product>, StoreError> {
        let mut found = HashMap::new();
        if ids.is_empty() {
            return Ok(found);
        }
        let keys: Vec<Item> = ids.iter().map(|id| [("pk".to_owned(), s(product_key(id)))].into()).collect();
        let items = batch_get(&self.client, [(self.table.clone(), keys)].into()).await?;
        for item in items.get(&self.table).into_iter().flatten() {
            let product = Product::from_item(item)?;
            found.insert(product.id.clone(), product);
        }
        Ok(found)
    }

    /// Applies a patch; `None` if there is no such product.
    pub async fn update(&self, id: &str, patch: &ProductPatch, now: &str) -> Result<Option<Product>, StoreError> {
        let mut sets = vec!["updated_at = :updated_at".to_owned()];
        let mut values: HashMap<String, AttributeValue> = HashMap::new();
        let mut names: HashMap<String, String> = HashMap::new();
        values.insert(":updated_at".into(), s(now));
        if let Some(name) = &patch.name {
            let lower = name.search_key();
            sets.push("#name = :name".into());
            sets.push("name_lc = :name_lc".into());
            sets.push("name_sk = :name_sk".into());
            names.insert("#name".into(), "name".into());
            values.insert(":name".into(), s(name.as_str()));
            values.insert(":name_sk".into(), s(name_sk(&lower, id)));
            values.insert(":name_lc".into(), s(lower));
        }
        if let Some(description) = &patch.description {
            sets.push("description = :description".into());
            values.insert(":description".into(), s(description.as_str()));
        }
        if let Some(price) = patch.price {
            sets.push("price = :price".into());
            values.insert(":price".into(), n(price.get()));
        }
        if let Some(stock) = patch.stock {
            sets.push("stock = :stock".into());
            values.insert(":stock".into(), n(stock.get()));
        }
        if let Some(category) = &patch.category {
            sets.push("category = :category".into());
            values.insert(":category".into(), s(category.as_str()));
        }
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(product_key(id)))
            .update_expression(format!("SET {}", sets.join(", ")))
            .condition_expression("attribute_exists(pk)")
            .set_expression_attribute_names((!names.is_empty()).then_some(names))
            .set_expression_attribute_values(Some(values))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(out) => out.attributes().map(Product::from_item).transpose(),
            Err(err) if condition_failed(&err) => Ok(None),
            Err(err) => Err(err.into()),
        }
    }

    /// Deletes a product; `false` if there was none. Orders keep their own
    /// snapshot of name and price, so they are unaffected.
    pub async fn delete(&self, id: &str) -> Result<bool, StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(product_key(id)))
            .condition_expression("attribute_exists(pk)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) if condition_failed(&err) => Ok(false),
            Err(err) => Err(err.into()),
        }
    }

    /// One page of the catalogue in name order: a `Query` on `by_category` when
    /// a category is given, else on `by_name`. `q` is a filter on that query,
    /// so a page under `?q=` may hold fewer than `limit` items (even none)
    /// while `next_cursor` says there is more.
    pub async fn list(&self, filter: &ProductFilter, page: &PageRequest) -> Result<Page<Product>, ListError> {
        let q = filter.q.as_ref().map(SearchTerm::as_str).unwrap_or("");
        let (index, partition_attr, partition_value, scope) = match &filter.category {
            Some(category) => {
                (BY_CATEGORY, "category", category.as_str(), format!("products:category:{}:{q}", category.as_str()))
            }
            None => (BY_NAME, "list_pk", LIST_PK, format!("products:all:{q}")),
        };
        let mut start_key = match &page.cursor {
            Some(raw) => Some(cursor::decode(
                raw,
                &scope,
                &["pk", partition_attr, "name_sk"],
                &[(partition_attr, partition_value)],
            )?),
            None => None,
        };
        let mut items = Vec::new();
        let limit = usize::from(page.limit);
        // Each read evaluates at most the items still wanted, so the page never
        // overshoots and the last evaluated key is an exact cursor.
        for _ in 0..MAX_FILTERED_READS {
            let remaining = limit - items.len();
            let mut query = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(index)
                .key_condition_expression("#pkey = :pkey")
                .expression_attribute_names("#pkey", partition_attr)
                .expression_attribute_values(":pkey", s(partition_value))
                .limit(remaining as i32)
                .set_exclusive_start_key(start_key.take());
            if let Some(term) = &filter.q {
                query = query
                    .filter_expression("contains(name_lc, :q)")
                    .expression_attribute_values(":q", s(term.as_str()));
            }
            let out = query.send().await.map_err(StoreError::from)?;
            for item in out.items() {
                items.push(Product::from_item(item)?);
            }
            start_key = out.last_evaluated_key().filter(|k| !k.is_empty()).cloned();
            if items.len() >= limit || start_key.is_none() || filter.q.is_none() {
                break;
            }
        }
        Ok(Page { items, next_cursor: cursor::next(&scope, start_key.as_ref()) })
    }
}
