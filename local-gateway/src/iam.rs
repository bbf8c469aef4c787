//! IAM for DynamoDB, emulated. On AWS a function may make only the DynamoDB
//! calls its policy in `template.yaml` allows; DynamoDB Local checks nothing.
//! Each function here gets a client whose interceptor refuses, before anything
//! is sent, a call its policy does not allow — with `AccessDeniedException`
//! naming the function, the action and the resource, as AWS would — so a
//! missing permission fails the tests instead of the first deployed request.
//!
//! What is checked is what IAM checks for DynamoDB: the action of each call
//! (for a transaction, each item's action on its table) against the ARN of the
//! table or of the index a query reads.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept};
use aws_sdk_dynamodb::operation;
use aws_sdk_dynamodb::Client;
use aws_smithy_runtime_api::client::interceptors::context::Input;

use crate::template::{table_arn, PolicyStatement};

/// One permission a call needs: `dynamodb:<Action>` on a resource ARN.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Needed {
    pub action: String,
    pub resource: String,
}

/// The refusal, as a Lambda function's log would show AWS's.
#[derive(Debug)]
pub struct AccessDenied {
    function: String,
    needed: Needed,
}

impl fmt::Display for AccessDenied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "AccessDeniedException: function {} is not authorized to perform {} on resource {} \
             (add it to the function's `dynamodb` in functions/routes.toml, then `cargo xtask gen`)",
            self.function, self.needed.action, self.needed.resource
        )
    }
}

impl std::error::Error for AccessDenied {}

/// A function's DynamoDB permissions, from its template policy.
#[derive(Debug, Clone)]
pub struct Permissions {
    function: String,
    region: String,
    statements: Vec<PolicyStatement>,
}

impl Permissions {
    pub fn new(function: impl Into<String>, region: impl Into<String>, statements: Vec<PolicyStatement>) -> Self {
        Self { function: function.into(), region: region.into(), statements }
    }

    /// IAM's rule: allowed when some Allow matches and no Deny does.
    pub fn allows(&self, needed: &Needed) -> bool {
        let matches = |s: &PolicyStatement| {
            s.actions.iter().any(|a| crate::gateway::glob_match(a, &needed.action))
                && s.resources.iter().any(|r| crate::gateway::glob_match(r, &needed.resource))
        };
        self.statements.iter().any(|s| s.allow && matches(s)) && !self.statements.iter().any(|s| !s.allow && matches(s))
    }

    /// The first permission `needed` lacks, as the error AWS would answer.
    pub fn check(&self, needed: &[Needed]) -> Result<(), AccessDenied> {
        match needed.iter().find(|n| !self.allows(n)) {
            Some(missing) => Err(AccessDenied { function: self.function.clone(), needed: missing.clone() }),
            None => Ok(()),
        }
    }

    fn table(&self, name: &str) -> String {
        table_arn(&self.region, name)
    }

    fn need(&self, action: &str, table: Option<&str>, index: Option<&str>) -> Needed {
        let table = self.table(table.unwrap_or_default());
        let resource = match index {
            Some(index) => format!("{table}/index/{index}"),
            None => table,
        };
        Needed { action: format!("dynamodb:{action}"), resource }
    }

    /// What a call needs, from its typed input; `None` for an operation this
    /// emulation does not know (refused, so nobody relies on it unchecked).
    pub fn needed(&self, input: &Input) -> Option<Vec<Needed>> {
        use operation::*;
        if let Some(i) = input.downcast_ref::<get_item::GetItemInput>() {
            return Some(vec![self.need("GetItem", i.table_name(), None)]);
        }
        if let Some(i) = input.downcast_ref::<put_item::PutItemInput>() {
            return Some(vec![self.need("PutItem", i.table_name(), None)]);
        }
        if let Some(i) = input.downcast_ref::<update_item::UpdateItemInput>() {
            return Some(vec![self.need("UpdateItem", i.table_name(), None)]);
        }
        if let Some(i) = input.downcast_ref::<delete_item::DeleteItemInput>() {
            return Some(vec![self.need("DeleteItem", i.table_name(), None)]);
        }
        if let Some(i) = input.downcast_ref::<query::QueryInput>() {
            return Some(vec![self.need("Query", i.table_name(), i.index_name())]);
        }
        if let Some(i) = input.downcast_ref::<scan::ScanInput>() {
            return Some(vec![self.need("Scan", i.table_name(), i.index_name())]);
        }
        if let Some(i) = input.downcast_ref::<describe_table::DescribeTableInput>() {
            return Some(vec![self.need("DescribeTable", i.table_name(), None)]);
        }
        if let Some(i) = input.downcast_ref::<batch_get_item::BatchGetItemInput>() {
            let tables = i.request_items().into_iter().flat_map(|items| items.keys());
            return Some(tables.map(|t| self.need("BatchGetItem", Some(t), None)).collect());
        }
        if let Some(i) = input.downcast_ref::<batch_write_item::BatchWriteItemInput>() {
            let tables = i.request_items().into_iter().flat_map(|items| items.keys());
            return Some(tables.map(|t| self.need("BatchWriteItem", Some(t), None)).collect());
        }
        if let Some(i) = input.downcast_ref::<transact_write_items::TransactWriteItemsInput>() {
            let needs = i.transact_items().iter().filter_map(|item| {
                if let Some(put) = item.put() {
                    Some(self.need("PutItem", Some(put.table_name()), None))
                } else if let Some(update) = item.update() {
                    Some(self.need("UpdateItem", Some(update.table_name()), None))
                } else if let Some(delete) = item.delete() {
                    Some(self.need("DeleteItem", Some(delete.table_name()), None))
                } else {
                    item.condition_check().map(|check| self.need("ConditionCheckItem", Some(check.table_name()), None))
                }
            });
            return Some(needs.collect());
        }
        if let Some(i) = input.downcast_ref::<transact_get_items::TransactGetItemsInput>() {
            let gets = i.transact_items().iter().filter_map(|item| item.get());
            return Some(gets.map(|get| self.need("GetItem", Some(get.table_name()), None)).collect());
        }
        None
    }
}

/// What each function's calls needed so far, allowed or not: lets a test
/// compare a policy with what the code really does, and count the calls a
/// request makes.
#[derive(Debug, Default)]
pub struct Usage {
    needed: Mutex<BTreeMap<String, BTreeSet<Needed>>>,
    /// Every call, in order: `(function, the permissions it needed)`.
    calls: Mutex<Vec<(String, Vec<Needed>)>>,
}

impl Usage {
    fn record(&self, function: &str, needed: &[Needed]) {
        let mut usage = self.needed.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        usage.entry(function.to_owned()).or_default().extend(needed.iter().cloned());
        let mut calls = self.calls.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        calls.push((function.to_owned(), needed.to_vec()));
    }

    /// Function name → every permission its calls needed.
    pub fn snapshot(&self) -> BTreeMap<String, BTreeSet<Needed>> {
        self.needed.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    /// How many DynamoDB calls have been made so far (a mark for [`Usage::calls_since`]).
    pub fn mark(&self) -> usize {
        self.calls.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).len()
    }

    /// The calls made since `mark`, in order: `(function, actions)`.
    pub fn calls_since(&self, mark: usize) -> Vec<(String, Vec<String>)> {
        let calls = self.calls.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        calls
            .iter()
            .skip(mark)
            .map(|(function, needed)| (function.clone(), needed.iter().map(|n| n.action.clone()).collect()))
            .collect()
    }
}

/// The interceptor that enforces a function's [`Permissions`].
#[derive(Debug)]
struct Enforce {
    permissions: Arc<Permissions>,
    usage: Arc<Usage>,
}

impl Intercept for Enforce {
    fn name(&self) -> &'static str {
        "LocalIam"
    }

    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        let permissions = &self.permissions;
        let Some(needed) = permissions.needed(context.input()) else {
            let message = format!(
                "function {}: this DynamoDB operation is not emulated by the local IAM check",
                permissions.function
            );
            tracing::error!("{message}");
            return Err(message.into());
        };
        self.usage.record(&permissions.function, &needed);
        permissions.check(&needed).map_err(|denied| {
            tracing::error!(error = %denied, "DynamoDB call refused");
            denied.into()
        })
    }
}

/// `client` restricted to what `permissions` allow (same connection pool);
/// every call's needs are recorded in `usage`.
pub fn restricted(client: &Client, permissions: Permissions, usage: Arc<Usage>) -> Client {
    let enforce = Enforce { permissions: Arc::new(permissions), usage };
    let config = client.config().to_builder().interceptor(enforce).build();
    Client::from_conf(config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::{ConditionCheck, Put, TransactWriteItem};

    fn permissions() -> Permissions {
        let arn = |t: &str| table_arn("us-east-1", t);
        Permissions::new(
            "orders-create",
            "us-east-1",
            vec![
                PolicyStatement {
                    allow: true,
                    actions: vec!["dynamodb:GetItem".into(), "dynamodb:PutItem".into()],
                    resources: vec![arn("orders")],
                },
                PolicyStatement {
                    allow: true,
                    actions: vec!["dynamodb:Query".into()],
                    resources: vec![format!("{}/index/*", arn("orders"))],
                },
            ],
        )
    }

    fn needed(input: impl std::fmt::Debug + Send + Sync + 'static) -> Vec<Needed> {
        permissions().needed(&Input::erase(input)).expect("known operation")
    }

    #[test]
    fn allows_only_what_the_policy_names() {
        let p = permissions();
        let get = needed(operation::get_item::GetItemInput::builder().table_name("orders").build().expect("input"));
        assert!(p.check(&get).is_ok());
        let other = needed(operation::get_item::GetItemInput::builder().table_name("users").build().expect("input"));
        let denied = p.check(&other).expect_err("another table");
        assert!(denied
            .to_string()
            .contains("dynamodb:GetItem on resource arn:aws:dynamodb:us-east-1:000000000000:table/users"));
        let delete =
            needed(operation::delete_item::DeleteItemInput::builder().table_name("orders").build().expect("input"));
        assert!(p.check(&delete).is_err(), "an action the policy does not name");
    }

    #[test]
    fn a_query_needs_its_index_and_a_table_query_the_table() {
        let p = permissions();
        let on_index = operation::query::QueryInput::builder().table_name("orders").index_name("by_owner").build();
        assert!(p.check(&needed(on_index.expect("input"))).is_ok());
        let on_table = operation::query::QueryInput::builder().table_name("orders").build();
        assert!(p.check(&needed(on_table.expect("input"))).is_err());
    }

    #[test]
    fn a_transaction_needs_each_items_action() {
        let put =
            Put::builder().table_name("orders").item("pk", aws_sdk_dynamodb::types::AttributeValue::S("x".into()));
        let check = ConditionCheck::builder()
            .table_name("orders")
            .key("pk", aws_sdk_dynamodb::types::AttributeValue::S("x".into()))
            .condition_expression("attribute_exists(pk)");
        let input = operation::transact_write_items::TransactWriteItemsInput::builder()
            .transact_items(TransactWriteItem::builder().put(put.build().expect("put")).build())
            .transact_items(TransactWriteItem::builder().condition_check(check.build().expect("check")).build())
            .build()
            .expect("input");
        let needs = needed(input);
        assert_eq!(
            needs.iter().map(|n| n.action.as_str()).collect::<Vec<_>>(),
            ["dynamodb:PutItem", "dynamodb:ConditionCheckItem"]
        );
        let denied = permissions().check(&needs).expect_err("no ConditionCheckItem");
        assert!(denied.to_string().contains("ConditionCheckItem"));
    }

    #[test]
    fn an_explicit_deny_wins() {
        let mut p = permissions();
        p.statements.push(PolicyStatement {
            allow: false,
            actions: vec!["dynamodb:*".into()],
            resources: vec![table_arn("us-east-1", "orders")],
        });
        let get = needed(operation::get_item::GetItemInput::builder().table_name("orders").build().expect("input"));
        assert!(p.check(&get).is_err());
    }
}
