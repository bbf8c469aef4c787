//! Typed configuration, read once per cold start from the environment.
//!
//! Every setting is looked up through [`Env`], a snapshot of variables, so the
//! Lambda transport (process environment) and the local gateway (a map it builds
//! from `template.yaml`) share one parser. Errors name the variable.

use std::collections::HashMap;
use std::str::FromStr;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("configuration: environment variable {0} is required but not set")]
    Missing(&'static str),
    #[error("configuration: environment variable {var} is invalid: {reason}")]
    Invalid { var: &'static str, reason: String },
}

/// A snapshot of configuration variables.
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: HashMap<String, String>,
}

impl Env {
    pub fn from_process() -> Self {
        Self { vars: std::env::vars().collect() }
    }

    pub fn from_pairs<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        Self { vars: pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect() }
    }

    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.vars.insert(key.into(), value.into());
    }

    /// A variable's value; empty counts as unset.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.vars.get(key).map(String::as_str).filter(|v| !v.trim().is_empty())
    }

    pub fn required(&self, key: &'static str) -> Result<&str, ConfigError> {
        self.get(key).ok_or(ConfigError::Missing(key))
    }

    /// Parses a variable, or returns `default` when it is unset.
    pub fn parse_or<T>(&self, key: &'static str, default: T) -> Result<T, ConfigError>
    where
        T: FromStr,
        T::Err: std::fmt::Display,
    {
        match self.get(key) {
            None => Ok(default),
            Some(raw) => raw
                .trim()
                .parse()
                .map_err(|e: T::Err| ConfigError::Invalid { var: key, reason: format!("{raw:?}: {e}") }),
        }
    }

    /// Like [`Env::parse_or`] for a whole number that must lie in `range`.
    pub fn int_in(
        &self,
        key: &'static str,
        default: u64,
        range: std::ops::RangeInclusive<u64>,
    ) -> Result<u64, ConfigError> {
        let value = self.parse_or(key, default)?;
        if range.contains(&value) {
            Ok(value)
        } else {
            Err(ConfigError::Invalid {
                var: key,
                reason: format!("{value} is outside {}..={}", range.start(), range.end()),
            })
        }
    }
}

/// The DynamoDB table of each domain. The template sets one variable per table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tables {
    pub auth: String,
    pub users: String,
    pub products: String,
    pub orders: String,
    pub carts: String,
    pub notifications: String,
    pub audit: String,
}

impl Tables {
    pub const AUTH_VAR: &'static str = "AUTH_TABLE";
    pub const USERS_VAR: &'static str = "USERS_TABLE";
    pub const PRODUCTS_VAR: &'static str = "PRODUCTS_TABLE";
    pub const ORDERS_VAR: &'static str = "ORDERS_TABLE";
    pub const CARTS_VAR: &'static str = "CARTS_TABLE";
    pub const NOTIFICATIONS_VAR: &'static str = "NOTIFICATIONS_TABLE";
    pub const AUDIT_VAR: &'static str = "AUDIT_TABLE";

    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            auth: env.required(Self::AUTH_VAR)?.to_owned(),
            users: env.required(Self::USERS_VAR)?.to_owned(),
            products: env.required(Self::PRODUCTS_VAR)?.to_owned(),
            orders: env.required(Self::ORDERS_VAR)?.to_owned(),
            carts: env.required(Self::CARTS_VAR)?.to_owned(),
            notifications: env.required(Self::NOTIFICATIONS_VAR)?.to_owned(),
            audit: env.required(Self::AUDIT_VAR)?.to_owned(),
        })
    }

    /// `(domain, table name)` pairs, in a stable order.
    pub fn all(&self) -> [(&'static str, &str); 7] {
        [
            ("auth", &self.auth),
            ("users", &self.users),
            ("products", &self.products),
            ("orders", &self.orders),
            ("carts", &self.carts),
            ("notifications", &self.notifications),
            ("audit", &self.audit),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_table_names_the_variable() {
        let env = Env::from_pairs([("AUTH_TABLE", "a"), ("USERS_TABLE", "u"), ("PRODUCTS_TABLE", "p")]);
        let err = Tables::from_env(&env).unwrap_err();
        assert_eq!(err, ConfigError::Missing("ORDERS_TABLE"));
        assert!(err.to_string().contains("ORDERS_TABLE"));
    }

    #[test]
    fn empty_values_count_as_unset() {
        let env = Env::from_pairs([("X", "  ")]);
        assert_eq!(env.get("X"), None);
    }

    #[test]
    fn bad_numbers_are_reported_with_the_variable() {
        let env = Env::from_pairs([("ACCESS_TOKEN_TTL_SECONDS", "soon")]);
        let err = env.int_in("ACCESS_TOKEN_TTL_SECONDS", 900, 60..=3600).unwrap_err();
        assert!(err.to_string().contains("ACCESS_TOKEN_TTL_SECONDS"));
        let env = Env::from_pairs([("ACCESS_TOKEN_TTL_SECONDS", "5")]);
        assert!(env.int_in("ACCESS_TOKEN_TTL_SECONDS", 900, 60..=3600).is_err());
        assert_eq!(Env::default().int_in("ACCESS_TOKEN_TTL_SECONDS", 900, 60..=3600), Ok(900));
    }
}
