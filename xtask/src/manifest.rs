//! `functions/routes.toml`: the one declaration of every function.

use std::collections::BTreeMap;

use serde::Deserialize;

pub const PATH: &str = "functions/routes.toml";

#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    #[serde(default, rename = "route")]
    pub routes: Vec<Route>,
    pub authorizer: Function,
    #[serde(default, rename = "consumer")]
    pub consumers: Vec<Consumer>,
}

/// What every function declares.
#[derive(Debug, Clone, Deserialize)]
pub struct Function {
    pub name: String,
    pub handler: String,
    pub summary: String,
    #[serde(default)]
    pub jwt_secret: bool,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Table (lower-case, as in `<Table>Table`) → DynamoDB actions, in the order written.
    #[serde(default)]
    pub dynamodb: toml::Table,
    /// A template parameter holding a sender address: the function may send
    /// mail through SES (`ses:SendEmail`) from that address, and only from it.
    #[serde(default)]
    pub send_mail_from: Option<String>,
}

/// An HTTP route: a function with its method, path and access.
#[derive(Debug, Clone, Deserialize)]
pub struct Route {
    pub method: String,
    pub path: String,
    pub access: String,
    #[serde(flatten)]
    pub function: Function,
}

/// A function fed by DynamoDB Streams: an event source mapping per stream,
/// failed batches to its own SQS queue (`<Name>Dlq`).
#[derive(Debug, Clone, Deserialize)]
pub struct Consumer {
    /// The tables (lower-case, as in `<Table>Table`) whose streams feed it.
    pub streams: Vec<String>,
    /// Records per invocation (1-10000).
    pub batch_size: u32,
    /// Retries of a failing batch before its records go to the queue (0-10000).
    pub maximum_retry_attempts: u32,
    #[serde(flatten)]
    pub function: Function,
}

impl std::ops::Deref for Consumer {
    type Target = Function;
    fn deref(&self) -> &Function {
        &self.function
    }
}

/// A route is a function: `route.name`, `route.handler`, ...
impl std::ops::Deref for Route {
    type Target = Function;
    fn deref(&self) -> &Function {
        &self.function
    }
}

const FUNCTION_KEYS: [&str; 7] = ["name", "handler", "summary", "jwt_secret", "env", "dynamodb", "send_mail_from"];
const ROUTE_KEYS: [&str; 3] = ["method", "path", "access"];
const CONSUMER_KEYS: [&str; 3] = ["streams", "batch_size", "maximum_retry_attempts"];

/// Refuses keys the manifest does not know (a typo would otherwise be ignored;
/// serde's `deny_unknown_fields` does not combine with `flatten`).
fn check_keys(raw: &toml::Table) -> Result<(), String> {
    let unknown =
        |table: &toml::Table, allowed: &[&str], what: &str| match table.keys().find(|k| !allowed.contains(&k.as_str()))
        {
            Some(key) => Err(format!("{PATH}: unknown field `{key}` in {what}")),
            None => Ok(()),
        };
    unknown(raw, &["route", "authorizer", "consumer"], "the manifest")?;
    for consumer in raw.get("consumer").and_then(toml::Value::as_array).into_iter().flatten() {
        let keys: Vec<&str> = FUNCTION_KEYS.iter().chain(&CONSUMER_KEYS).copied().collect();
        let table = consumer.as_table().ok_or_else(|| format!("{PATH}: a [[consumer]] must be a table"))?;
        unknown(table, &keys, "a [[consumer]]")?;
    }
    for route in raw.get("route").and_then(toml::Value::as_array).into_iter().flatten() {
        let keys: Vec<&str> = FUNCTION_KEYS.iter().chain(&ROUTE_KEYS).copied().collect();
        unknown(route.as_table().ok_or_else(|| format!("{PATH}: a [[route]] must be a table"))?, &keys, "a [[route]]")?;
    }
    if let Some(authorizer) = raw.get("authorizer").and_then(toml::Value::as_table) {
        unknown(authorizer, &FUNCTION_KEYS, "[authorizer]")?;
    }
    Ok(())
}

/// The access kinds and the `shared::access` type that asks for each.
pub const ACCESS_KINDS: [(&str, &str); 4] =
    [("public", "Public"), ("user", "User"), ("admin", "Admin"), ("self-or-admin", "SelfOrAdmin")];

pub const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// DynamoDB actions a policy may grant (the ones IAM knows for items, queries and tables).
pub const ACTIONS: [&str; 11] = [
    "GetItem",
    "BatchGetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "BatchWriteItem",
    "ConditionCheckItem",
    "Query",
    "Scan",
    "DescribeTable",
    "DescribeStream",
];

/// One grant: an action on a table, or on one (or every, `*`) of its indexes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub table: String,
    pub action: String,
    pub index: Option<String>,
}

impl Function {
    /// The `dynamodb` grants, in the order written.
    pub fn grants(&self) -> Result<Vec<Grant>, String> {
        let mut grants = Vec::new();
        for (table, actions) in &self.dynamodb {
            let actions =
                actions.as_array().ok_or_else(|| format!("{}: dynamodb.{table} must be a list", self.name))?;
            for action in actions {
                let text =
                    action.as_str().ok_or_else(|| format!("{}: dynamodb.{table} holds a non-string", self.name))?;
                let (action, index) = match text.split_once(':') {
                    Some((action, index)) => (action, Some(index.to_owned())),
                    None => (text, None),
                };
                if !ACTIONS.contains(&action) {
                    return Err(format!(
                        "{}: unknown DynamoDB action {action:?} (known: {})",
                        self.name,
                        ACTIONS.join(", ")
                    ));
                }
                grants.push(Grant { table: table.clone(), action: action.to_owned(), index });
            }
        }
        Ok(grants)
    }
}

fn is_name(text: &str) -> bool {
    !text.is_empty()
        && text.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !text.starts_with('-')
        && !text.ends_with('-')
}

impl Manifest {
    pub fn parse(text: &str) -> Result<Self, String> {
        let raw: toml::Table = toml::from_str(text).map_err(|e| format!("{PATH}: {e}"))?;
        check_keys(&raw)?;
        let manifest: Self = raw.try_into().map_err(|e| format!("{PATH}: {e}"))?;
        manifest.check()?;
        Ok(manifest)
    }

    pub fn load(root: &std::path::Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(root.join(PATH)).map_err(|e| format!("{PATH}: {e}"))?;
        Self::parse(&text)
    }

    /// Every function: the routes, the authorizer, then the consumers.
    pub fn functions(&self) -> Vec<Function> {
        let consumers = self.consumers.iter().map(|c| c.function.clone());
        self.routes.iter().map(|r| r.function.clone()).chain([self.authorizer.clone()]).chain(consumers).collect()
    }

    fn check(&self) -> Result<(), String> {
        let mut names = std::collections::BTreeSet::new();
        let mut endpoints = std::collections::BTreeSet::new();
        for function in self.functions() {
            if !is_name(&function.name) {
                return Err(format!("{PATH}: {:?} is not a function name (a-z, 0-9, '-')", function.name));
            }
            if !names.insert(function.name.clone()) {
                return Err(format!("{PATH}: {} is declared twice", function.name));
            }
            if function
                .handler
                .split("::")
                .any(|part| part.is_empty() || !part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            {
                return Err(format!("{PATH}: {}: handler {:?} is not a Rust path", function.name, function.handler));
            }
            function.grants()?;
            if let Some(sender) = &function.send_mail_from {
                if !sender.starts_with(|c: char| c.is_ascii_uppercase())
                    || !sender.chars().all(|c| c.is_ascii_alphanumeric())
                {
                    return Err(format!("{PATH}: {}: send_mail_from must name a template parameter", function.name));
                }
            }
            if let Some(key) = function
                .env
                .keys()
                .find(|k| !k.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            {
                return Err(format!("{PATH}: {}: {key:?} is not an environment variable name", function.name));
            }
        }
        for consumer in &self.consumers {
            if consumer.streams.is_empty() || consumer.streams.iter().any(|t| !is_name(t)) {
                return Err(format!("{PATH}: {}: streams must name tables (users, orders, ...)", consumer.name));
            }
            if !(1..=10_000).contains(&consumer.batch_size) || consumer.maximum_retry_attempts > 10_000 {
                return Err(format!(
                    "{PATH}: {}: batch_size must be 1-10000 and maximum_retry_attempts 0-10000",
                    consumer.name
                ));
            }
        }
        for route in &self.routes {
            if !METHODS.contains(&route.method.as_str()) {
                return Err(format!(
                    "{PATH}: {}: method {:?} is not one of {}",
                    route.name,
                    route.method,
                    METHODS.join(", ")
                ));
            }
            if !route.path.starts_with('/') || route.path.contains("//") || route.path.contains(char::is_whitespace) {
                return Err(format!(
                    "{PATH}: {}: path {:?} must start with '/' and hold no spaces",
                    route.name, route.path
                ));
            }
            if !ACCESS_KINDS.iter().any(|(kind, _)| *kind == route.access) {
                return Err(format!(
                    "{PATH}: {}: access {:?} is not one of public, user, admin, self-or-admin",
                    route.name, route.access
                ));
            }
            if route.access == "self-or-admin" && !route.path.split('/').any(|s| s == "{id}") {
                return Err(format!(
                    "{PATH}: {}: self-or-admin needs a path that names a user with {{id}}",
                    route.name
                ));
            }
            if !endpoints.insert((route.method.clone(), route.path.clone())) {
                return Err(format!("{PATH}: {} {} is declared twice", route.method, route.path));
            }
        }
        Ok(())
    }
}

/// `users-get` → `UsersGet`.
pub fn pascal(name: &str) -> String {
    name.split(['-', '_'])
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

/// `users-get` → `USERS_GET`.
pub fn constant(name: &str) -> String {
    name.replace('-', "_").to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"
        [[route]]
        name = "cart-get"
        method = "GET"
        path = "/cart"
        access = "user"
        handler = "cart::get::CartGet"
        summary = "the caller's cart"
        dynamodb = { carts = ["GetItem", "Query:by_owner"] }

        [authorizer]
        name = "authorizer"
        handler = "authorizer::Authorizer"
        summary = "REQUEST authorizer"
        jwt_secret = true
    "#;

    #[test]
    fn parses_routes_and_grants() {
        let manifest = Manifest::parse(ONE).expect("parses");
        assert_eq!(manifest.routes.len(), 1);
        let grants = manifest.routes[0].grants().expect("grants");
        assert_eq!(grants[1], Grant { table: "carts".into(), action: "Query".into(), index: Some("by_owner".into()) });
        assert_eq!(manifest.functions().len(), 2);
    }

    #[test]
    fn refuses_what_cannot_be_deployed() {
        let cases = [
            (ONE.replace(r#"access = "user""#, r#"access = "owner""#), "access"),
            (ONE.replace(r#""GetItem""#, r#""GetItems""#), "unknown DynamoDB action"),
            (ONE.replace(r#"method = "GET""#, r#"method = "FETCH""#), "method"),
            (ONE.replace(r#"path = "/cart""#, r#"path = "cart""#), "path"),
            (ONE.replace(r#"name = "cart-get""#, r#"name = "Cart Get""#), "not a function name"),
            (ONE.replace(r#"name = "cart-get""#, r#"name = "authorizer""#), "declared twice"),
            (ONE.replace(r#"access = "user""#, r#"access = "self-or-admin""#), "names a user"),
            (
                ONE.replace("summary = \"the caller's cart\"", "summary = \"x\"\nsend_mail_from = \"a: b\""),
                "send_mail_from",
            ),
            (
                ONE.replace("summary = \"the caller's cart\"", "summary = \"x\"\ncolour = \"red\""),
                "unknown field `colour`",
            ),
        ];
        for (text, expected) in cases {
            let error = Manifest::parse(&text).expect_err(expected);
            assert!(error.contains(expected), "{error:?} should mention {expected:?}");
        }
    }

    #[test]
    fn names_convert() {
        assert_eq!(pascal("users-get"), "UsersGet");
        assert_eq!(constant("users-get"), "USERS_GET");
    }
}
