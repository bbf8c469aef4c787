//! Demo data for local runs: three accounts and a small catalogue (seven
//! products in three categories). Seeding is idempotent (existing names and
//! product ids are left alone) and exists only here, in the local gateway — a
//! deployed stack never gets this data.

use serde_json::json;
use shared::clock::Now;
use shared::domain::{Category, Cents, Description, ProductName, Role, Stock};
use shared::password;
use shared::repo::products::{CreateProductError, NewProduct};
use shared::repo::users::{CreateUserError, UserRecord};
use shared::InitContext;

/// The demo catalogue: `(id, name, description, price in cents, stock, category)`.
/// Fixed ids make seeding idempotent: an existing id is left as it is.
pub const DEMO_PRODUCTS: &[(&str, &str, &str, i64, i64, &str)] = &[
    ("demo-keyboard", "Mechanical Keyboard", "Tenkeyless, brown switches.", 8_999, 25, "electronics"),
    ("demo-mouse", "Wireless Mouse", "Two-button mouse with a silent scroll wheel.", 2_499, 40, "electronics"),
    ("demo-monitor", "27-inch Monitor", "2560x1440, 75 Hz.", 27_900, 8, "electronics"),
    ("demo-rust-book", "The Rust Programming Language", "The book, in print.", 3_995, 15, "books"),
    (
        "demo-ddia",
        "Designing Data-Intensive Applications",
        "Reliable, scalable, maintainable systems.",
        4_450,
        12,
        "books",
    ),
    ("demo-mug", "Coffee Mug", "350 ml, dishwasher safe.", 1_200, 60, "kitchen"),
    ("demo-grinder", "Burr Coffee Grinder", "Conical burrs, 40 settings.", 11_900, 5, "kitchen"),
];

/// The demo accounts. Fixed demo data, so they may break the password policy.
pub const DEMO_ACCOUNTS: &[(&str, &str, Role)] =
    &[("admin", "admin123", Role::Admin), ("user1", "password1", Role::User), ("maxim", "maxim", Role::User)];

pub async fn seed(ctx: &InitContext) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let users = ctx.users_repo().await?;
    let mut created = Vec::new();
    for (username, pass, role) in DEMO_ACCOUNTS {
        if users.get_by_username(username).await?.is_some() {
            continue;
        }
        let now = Now::read().rfc3339();
        let user = UserRecord {
            id: uuid::Uuid::new_v4().to_string(),
            username: (*username).to_owned(),
            email: Some(format!("{username}@example.com")),
            full_name: None,
            role: *role,
            password_hash: password::hash(shared::secret::Secret::new(*pass)).await?,
            created_at: now.clone(),
            updated_at: now,
        };
        match users.create(&user).await {
            Ok(()) => created.push(*username),
            Err(CreateUserError::UsernameTaken | CreateUserError::Contended) => {}
            Err(other) => return Err(other.into()),
        }
    }
    if !created.is_empty() {
        tracing::info!(accounts = ?created, "seeded demo accounts");
    }
    seed_products(ctx).await
}

async fn seed_products(ctx: &InitContext) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let products = ctx.products_repo().await?;
    let mut created = Vec::new();
    for (id, name, description, price, stock, category) in DEMO_PRODUCTS {
        let product = NewProduct {
            name: ProductName::parse(&json!(name))?,
            description: Description::parse(&json!(description))?,
            price: Cents::parse_price(&json!(price))?,
            stock: Stock::parse(&json!(stock))?,
            category: Category::parse_str(category)?,
        };
        match products.create(product, Some(id), &Now::read().rfc3339()).await {
            Ok(_) => created.push(*id),
            Err(CreateProductError::IdTaken(_)) => {}
            Err(other) => return Err(other.into()),
        }
    }
    if !created.is_empty() {
        tracing::info!(products = ?created, "seeded demo catalogue");
    }
    Ok(())
}
