//! The orders table: orders, their status changes and idempotency keys, plus
//! the stock moves on the products table that go in the same transactions.
//! Key design: docs/dynamodb.md.

use aws_sdk_dynamodb::types::{AttributeValue, Put, Update};
use aws_sdk_dynamodb::Client;
use serde::Serialize;

use crate::domain::{IdempotencyKey, OrderStatus, Stock};
use crate::repo::error::StoreError;
use crate::repo::item::{batch_get, get_by_pk, get_list, get_n, get_s, n, opt_n, opt_s, s, Item};
use crate::repo::page::{ListError, Page, PageRequest};
use crate::repo::products::product_key;
use crate::repo::query::{Filter, IndexQuery};
use crate::repo::transact::{self, transact, Retry, TiedWrite};

const BY_OWNER: &str = "by_owner";
/// Orders by their current status (sparse: only order items carry
/// `status_pk`), newest first — the admins' store-wide view.
const BY_STATUS: &str = "by_status";
/// How long a retry with the same `Idempotency-Key` replays the first answer.
pub const IDEMPOTENCY_TTL_SECS: i64 = 24 * 60 * 60;

fn order_key(id: &str) -> String {
    format!("ORDER#{id}")
}
fn change_key(order_id: &str, to: OrderStatus) -> String {
    format!("CHANGE#{order_id}#{}", to.as_str())
}
fn idempotency_key(user_id: &str, key: &IdempotencyKey) -> String {
    format!("IDEMP#{user_id}#{}", key.as_str())
}
fn orders_of(user_id: &str) -> String {
    format!("ORDERS#{user_id}")
}
fn changes_of(user_id: &str) -> String {
    format!("CHANGES#{user_id}")
}
fn in_status(status: OrderStatus) -> String {
    format!("STATUS#{}", status.as_str())
}

/// One line of an order, with the product's name and price as they were when
/// the order was placed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderLine {
    pub product_id: String,
    pub name: String,
    pub unit_price: i64,
    pub quantity: u32,
    pub line_total: i64,
}

/// An order as stored and as clients see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Order {
    pub id: String,
    pub user_id: String,
    pub items: Vec<OrderLine>,
    pub total: i64,
    pub status: OrderStatus,
    pub created_at: String,
    pub updated_at: String,
}

/// One status change, as `GET /orders/history` shows it. `from` is `null` for
/// the order's creation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusChange {
    pub order_id: String,
    pub from: Option<OrderStatus>,
    pub to: OrderStatus,
    pub by: String,
    pub at: String,
}

/// A stored idempotency key: which request it was first used for, and the
/// answer that request got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub order_id: String,
    pub request_hash: String,
    pub response: serde_json::Value,
}

/// An idempotency key to claim with a new order.
#[derive(Debug, Clone)]
pub struct IdempotencyClaim<'a> {
    pub key: &'a IdempotencyKey,
    pub request_hash: &'a str,
}

/// How placing an order went, short of a database failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaceOutcome {
    Placed,
    /// Another request claimed the idempotency key first.
    KeyTaken,
    /// The stock or price condition of line `i` failed (or its product is gone).
    LineRejected(usize),
    /// The condition of the write tied to the order failed (checkout: the
    /// cart is no longer the one that was read).
    TiedRejected,
    /// The transaction kept losing races with other orders for the same
    /// products through every retry; nothing was written.
    Contended,
}

/// How a status change went, short of a database failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransitionOutcome {
    Changed(Order),
    /// The order's status is no longer the one the change started from.
    StatusMoved,
    /// Restock line `i` was refused: its product no longer exists, or its
    /// stock moved so that the restock would pass [`Stock::MAX`](crate::domain::Stock).
    ProductGone(usize),
}

fn status_of(item: &Item, key: &str) -> Result<OrderStatus, StoreError> {
    get_s(item, key)?.parse().map_err(StoreError::corrupt)
}

impl OrderLine {
    fn to_value(&self) -> AttributeValue {
        AttributeValue::M(
            [
                ("product_id".to_owned(), s(&self.product_id)),
                ("name".to_owned(), s(&self.name)),
                ("unit_price".to_owned(), n(self.unit_price)),
                ("quantity".to_owned(), n(self.quantity)),
                ("line_total".to_owned(), n(self.line_total)),
            ]
            .into(),
        )
    }

    fn from_value(value: &AttributeValue) -> Result<Self, StoreError> {
        let map = value.as_m().map_err(|_| StoreError::corrupt("order line is not a map"))?;
        Ok(Self {
            product_id: get_s(map, "product_id")?,
            name: get_s(map, "name")?,
            unit_price: get_n(map, "unit_price")?,
            quantity: get_n(map, "quantity")?,
            line_total: get_n(map, "line_total")?,
        })
    }
}

impl Order {
    /// The stored form of the order item (bulk tools such as the benchmark
    /// write it with `BatchWriteItem`; the API writes it only in `place`).
    pub fn to_item(&self) -> Item {
        [
            ("pk".to_owned(), s(order_key(&self.id))),
            ("id".to_owned(), s(&self.id)),
            ("user_id".to_owned(), s(&self.user_id)),
            ("items".to_owned(), AttributeValue::L(self.items.iter().map(OrderLine::to_value).collect())),
            ("total".to_owned(), n(self.total)),
            ("status".to_owned(), s(self.status.as_str())),
            ("created_at".to_owned(), s(&self.created_at)),
            ("updated_at".to_owned(), s(&self.updated_at)),
            ("owner_pk".to_owned(), s(orders_of(&self.user_id))),
            ("owner_sk".to_owned(), s(format!("{}#{}", self.created_at, self.id))),
            ("status_pk".to_owned(), s(in_status(self.status))),
        ]
        .into()
    }

    fn from_item(item: &Item) -> Result<Self, StoreError> {
        let items = get_list(item, "items", OrderLine::from_value)?;
        Ok(Self {
            id: get_s(item, "id")?,
            user_id: get_s(item, "user_id")?,
            items,
            total: get_n(item, "total")?,
            status: status_of(item, "status")?,
            created_at: get_s(item, "created_at")?,
            updated_at: get_s(item, "updated_at")?,
        })
    }
}

impl StatusChange {
    fn to_item(&self, owner_id: &str) -> Item {
        let mut item: Item = [
            ("pk".to_owned(), s(change_key(&self.order_id, self.to))),
            ("order_id".to_owned(), s(&self.order_id)),
            ("to".to_owned(), s(self.to.as_str())),
            ("by".to_owned(), s(&self.by)),
            ("at".to_owned(), s(&self.at)),
            ("owner_pk".to_owned(), s(changes_of(owner_id))),
            // The rank breaks ties within one millisecond in the machine's order.
            ("owner_sk".to_owned(), s(format!("{}#{}#{}", self.at, self.order_id, self.to.rank()))),
        ]
        .into();
        if let Some(from) = self.from {
            item.insert("from".to_owned(), s(from.as_str()));
        }
        item
    }

    fn from_item(item: &Item) -> Result<Self, StoreError> {
        Ok(Self {
            order_id: get_s(item, "order_id")?,
            from: opt_s(item, "from").map(|f| f.parse()).transpose().map_err(StoreError::corrupt)?,
            to: status_of(item, "to")?,
            by: get_s(item, "by")?,
            at: get_s(item, "at")?,
        })
    }
}

#[derive(Clone)]
pub struct OrdersRepo {
    client: Client,
    table: String,
    products_table: String,
}

impl OrdersRepo {
    pub fn new(client: Client, table: impl Into<String>, products_table: impl Into<String>) -> Self {
        Self { client, table: table.into(), products_table: products_table.into() }
    }

    /// An order by id (strongly consistent).
    pub async fn get(&self, id: &str) -> Result<Option<Order>, StoreError> {
        let out = get_by_pk(&self.client, &self.table, order_key(id)).await?;
        out.as_ref().map(Order::from_item).transpose()
    }

    /// The record of an idempotency key the user has used within its lifetime.
    /// Expired keys count as unused even before TTL deletes them.
    pub async fn idempotency(
        &self,
        user_id: &str,
        key: &IdempotencyKey,
        now_unix: i64,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        let out = get_by_pk(&self.client, &self.table, idempotency_key(user_id, key)).await?;
        let Some(item) = out.as_ref() else { return Ok(None) };
        if opt_n::<i64>(item, "expires_at").is_none_or(|at| at <= now_unix) {
            return Ok(None);
        }
        let response = serde_json::from_str(&get_s(item, "response")?).map_err(StoreError::corrupt)?;
        Ok(Some(IdempotencyRecord {
            order_id: get_s(item, "order_id")?,
            request_hash: get_s(item, "request_hash")?,
            response,
        }))
    }

    /// Places an order in one transaction: the order, its first history entry,
    /// the idempotency key (if any), for every line a stock decrement
    /// conditioned on enough stock and on the price the order snapshotted, and
    /// the `tied` write of another repository (checkout's cart deletion). All
    /// or nothing; a transaction that merely lost a race is retried.
    ///
    /// At most 2 + 1 + lines + 1 actions: DynamoDB takes 100 in one
    /// transaction, so an order has at most `MAX_CART_LINES` (50) lines.
    pub async fn place(
        &self,
        order: &Order,
        claim: Option<IdempotencyClaim<'_>>,
        tied: Option<TiedWrite>,
        now_unix: i64,
    ) -> Result<PlaceOutcome, StoreError> {
        let put_order = Put::builder()
            .table_name(&self.table)
            .set_item(Some(order.to_item()))
            .condition_expression("attribute_not_exists(pk)")
            .build()?;
        let created = StatusChange {
            order_id: order.id.clone(),
            from: None,
            to: order.status,
            by: order.user_id.clone(),
            at: order.created_at.clone(),
        };
        let put_change =
            Put::builder().table_name(&self.table).set_item(Some(created.to_item(&order.user_id))).build()?;
        let mut items = vec![transact::put(put_order), transact::put(put_change)];
        let key_index = match &claim {
            Some(claim) => {
                let response = serde_json::to_string(order).map_err(StoreError::internal)?;
                let put_key = Put::builder()
                    .table_name(&self.table)
                    .item("pk", s(idempotency_key(&order.user_id, claim.key)))
                    .item("order_id", s(&order.id))
                    .item("request_hash", s(claim.request_hash))
                    .item("response", s(response))
                    .item("expires_at", n(now_unix + IDEMPOTENCY_TTL_SECS))
                    // A key whose TTL passed but which DynamoDB has not deleted yet is free.
                    .condition_expression("attribute_not_exists(pk) OR expires_at <= :now")
                    .expression_attribute_values(":now", n(now_unix))
                    .build()?;
                items.push(transact::put(put_key));
                Some(items.len() - 1)
            }
            None => None,
        };
        let first_line = items.len();
        for line in &order.items {
            let decrement = Update::builder()
                .table_name(&self.products_table)
                .key("pk", s(product_key(&line.product_id)))
                .update_expression("SET stock = stock - :qty")
                .condition_expression("attribute_exists(pk) AND stock >= :qty AND price = :price")
                .expression_attribute_values(":qty", n(line.quantity))
                .expression_attribute_values(":price", n(line.unit_price))
                .build()?;
            items.push(transact::update(decrement));
        }
        let lines = first_line..items.len();
        let tied_index = tied.map(|TiedWrite(item)| {
            items.push(item);
            items.len() - 1
        });
        let Err(cancelled) = transact(&self.client, items, Retry::OnConflict).await? else {
            return Ok(PlaceOutcome::Placed);
        };
        if key_index.is_some_and(|i| cancelled.condition_failed(i)) {
            return Ok(PlaceOutcome::KeyTaken);
        }
        // Before the lines: a changed cart means the lines priced are stale.
        if tied_index.is_some_and(|i| cancelled.condition_failed(i)) {
            return Ok(PlaceOutcome::TiedRejected);
        }
        if let Some(line) = cancelled.first_condition_failed(lines) {
            return Ok(PlaceOutcome::LineRejected(line - first_line));
        }
        if cancelled.condition_failed(0) {
            return Err(StoreError::internal("order id collision"));
        }
        if cancelled.conflicted() {
            return Ok(PlaceOutcome::Contended);
        }
        Err(StoreError::internal(cancelled))
    }

    /// Moves an order from `order.status` to `to` in one transaction with its
    /// history entry and, for each `(product_id, quantity)` in `restock`, a
    /// stock increment. The condition on the current status makes concurrent
    /// changes of one order exclusive, so stock is never restocked twice; the
    /// condition on each product keeps its stock within `Stock::MAX` (the
    /// caller clamps the quantities to what fits).
    pub async fn transition(
        &self,
        order: &Order,
        to: OrderStatus,
        by: &str,
        now: &str,
        restock: &[(&str, u32)],
    ) -> Result<TransitionOutcome, StoreError> {
        let set_status = Update::builder()
            .table_name(&self.table)
            .key("pk", s(order_key(&order.id)))
            .update_expression("SET #status = :to, status_pk = :in_status, updated_at = :now")
            .condition_expression("#status = :from")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":to", s(to.as_str()))
            .expression_attribute_values(":in_status", s(in_status(to)))
            .expression_attribute_values(":from", s(order.status.as_str()))
            .expression_attribute_values(":now", s(now))
            .build()?;
        let change = StatusChange {
            order_id: order.id.clone(),
            from: Some(order.status),
            to,
            by: by.to_owned(),
            at: now.to_owned(),
        };
        let put_change =
            Put::builder().table_name(&self.table).set_item(Some(change.to_item(&order.user_id))).build()?;
        let mut items = vec![transact::update(set_status), transact::put(put_change)];
        let first_line = items.len();
        for (product_id, quantity) in restock {
            let increment = Update::builder()
                .table_name(&self.products_table)
                .key("pk", s(product_key(product_id)))
                .update_expression("SET stock = stock + :qty")
                // Never resurrect a deleted product as a bare stock counter,
                // never store a stock the API itself refuses to write.
                .condition_expression("attribute_exists(pk) AND stock <= :ceiling")
                .expression_attribute_values(":qty", n(*quantity))
                .expression_attribute_values(":ceiling", n(Stock::MAX - i64::from(*quantity)))
                .build()?;
            items.push(transact::update(increment));
        }
        let lines = first_line..items.len();
        let Err(cancelled) = transact(&self.client, items, Retry::OnConflict).await? else {
            let mut changed = order.clone();
            changed.status = to;
            changed.updated_at = now.to_owned();
            return Ok(TransitionOutcome::Changed(changed));
        };
        if cancelled.condition_failed(0) {
            return Ok(TransitionOutcome::StatusMoved);
        }
        if let Some(line) = cancelled.first_condition_failed(lines) {
            return Ok(TransitionOutcome::ProductGone(line - first_line));
        }
        if cancelled.conflicted() {
            // Still losing races after every retry: someone else is changing it.
            return Ok(TransitionOutcome::StatusMoved);
        }
        Err(StoreError::internal(cancelled))
    }

    /// One page of a user's orders, newest first: a `Query` on `by_owner`.
    /// `status` is a filter on that query, so a page under `?status=` may hold
    /// fewer than `limit` items while `next_cursor` says there is more.
    pub async fn list_for(
        &self,
        user_id: &str,
        status: Option<OrderStatus>,
        page: &PageRequest,
    ) -> Result<Page<Order>, ListError> {
        let owner = orders_of(user_id);
        let scope = format!("orders:{user_id}:{}", status.map(OrderStatus::as_str).unwrap_or("*"));
        let (items, next_cursor) = self.query_owner(&owner, &scope, status, page).await?;
        let items = items.iter().map(Order::from_item).collect::<Result<_, _>>()?;
        Ok(Page { items, next_cursor })
    }

    /// An order's status changes, oldest first: one strongly consistent
    /// `BatchGetItem` of its change items (one per status it can reach).
    pub async fn timeline(&self, order_id: &str) -> Result<Vec<StatusChange>, StoreError> {
        let keys = OrderStatus::ALL.iter().map(|to| [("pk".to_owned(), s(change_key(order_id, *to)))].into()).collect();
        let found = batch_get(&self.client, [(self.table.clone(), keys)].into()).await?;
        let mut changes =
            found.get(&self.table).into_iter().flatten().map(StatusChange::from_item).collect::<Result<Vec<_>, _>>()?;
        changes.sort_by(|a, b| (&a.at, a.to.rank()).cmp(&(&b.at, b.to.rank())));
        Ok(changes)
    }

    /// One page of every order now in `status`, newest first: a `Query` on
    /// `by_status`. Orders written before the index existed carry no
    /// `status_pk` until their next status change (docs/dynamodb.md).
    pub async fn list_in_status(&self, status: OrderStatus, page: &PageRequest) -> Result<Page<Order>, ListError> {
        let query = IndexQuery {
            table: &self.table,
            index: BY_STATUS,
            partition: ("status_pk", in_status(status)),
            sort_key: "owner_sk",
            between: None,
            filter: None,
            scope: format!("orders-in:{}", status.as_str()),
        };
        let (items, next_cursor) = query.page(&self.client, page).await?;
        let items = items.iter().map(Order::from_item).collect::<Result<_, _>>()?;
        Ok(Page { items, next_cursor })
    }

    /// One page of the status changes of a user's orders, newest first.
    pub async fn history_for(&self, user_id: &str, page: &PageRequest) -> Result<Page<StatusChange>, ListError> {
        let owner = changes_of(user_id);
        let scope = format!("history:{user_id}");
        let (items, next_cursor) = self.query_owner(&owner, &scope, None, page).await?;
        let items = items.iter().map(StatusChange::from_item).collect::<Result<_, _>>()?;
        Ok(Page { items, next_cursor })
    }

    async fn query_owner(
        &self,
        owner_pk: &str,
        scope: &str,
        status: Option<OrderStatus>,
        page: &PageRequest,
    ) -> Result<(Vec<Item>, Option<String>), ListError> {
        let filter = status.map(|status| Filter {
            expression: "#status = :status".into(),
            names: [("#status".to_owned(), "status".to_owned())].into(),
            values: [(":status".to_owned(), s(status.as_str()))].into(),
        });
        let query = IndexQuery {
            table: &self.table,
            index: BY_OWNER,
            partition: ("owner_pk", owner_pk.to_owned()),
            sort_key: "owner_sk",
            between: None,
            filter,
            scope: scope.to_owned(),
        };
        query.page(&self.client, page).await
    }
}
