//! The cart and its checkout through the local gateway.

use std::collections::HashMap;

use futures::future::join_all;
use serde_json::{json, Value};
use shared::domain::{Quantity, Role};
use shared::repo::carts::{Cart, CartsRepo};
use shared::repo::orders::{OrdersRepo, PlaceOutcome};
use shared::repo::products::{Product, ProductsRepo};

use crate::helpers::{detail_fields, order_body, shop, spawn_app, Res, Session, Shop, TestApp};

/// `(product_id, quantity)` of each line of a cart answer.
fn lines_of(cart: &Value) -> Vec<(String, i64)> {
    cart["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|l| (l["product_id"].as_str().expect("id").to_owned(), l["quantity"].as_i64().expect("quantity")))
        .collect()
}

fn message(res: &Res) -> String {
    res.body["error"]["message"].as_str().expect("message").to_owned()
}

impl TestApp {
    async fn cart(&self, token: &str) -> Value {
        self.get("/cart", Some(token)).await.assert_ok(200).clone()
    }

    async fn order_count(&self, token: &str) -> usize {
        let res = self.get("/orders", Some(token)).await;
        res.assert_ok(200)["items"].as_array().expect("items").len()
    }

    async fn set_product(&self, admin: &Session, id: &str, body: Value) {
        self.put(&format!("/products/{id}"), &body, Some(&admin.access)).await.assert_ok(200);
    }
}

#[tokio::test]
async fn a_new_cart_is_empty_and_fills_at_current_names_and_prices() {
    let Shop { app, ann, lamp, desk, .. } = shop().await;
    assert_eq!(app.cart(&ann.access).await, json!({"items": [], "total": 0, "updated_at": null}));

    let first = app.put_in_cart(&ann.access, &lamp, 2).await;
    app.put_in_cart(&ann.access, &desk, 1).await.assert_ok(200);
    let changed = app.put_in_cart(&ann.access, &lamp, 5).await;

    let one = first.assert_ok(200);
    assert_eq!(
        one["items"],
        json!([{"product_id": lamp, "name": "Desk Lamp", "unit_price": 2_999, "quantity": 2, "line_total": 5_998,
                "available": true, "problem": null}])
    );
    assert_eq!(one["total"], 5_998);
    let cart = changed.assert_ok(200);
    assert_eq!(lines_of(cart), [(lamp.clone(), 5), (desk.clone(), 1)], "lines keep the order they were added in");
    assert_eq!(cart["total"], 5 * 2_999 + 49_900);
    let keys: Vec<_> = cart.as_object().expect("cart").keys().cloned().collect();
    assert_eq!(keys, ["items", "total", "updated_at"]);
    let line_keys: Vec<_> = cart["items"][0].as_object().expect("line").keys().cloned().collect();
    assert_eq!(line_keys, ["product_id", "name", "unit_price", "quantity", "line_total", "available", "problem"]);
    assert!(cart["updated_at"].as_str() >= one["updated_at"].as_str());
    assert_eq!(&app.cart(&ann.access).await, cart, "GET shows what the last edit answered");
    assert_eq!((app.stock_of(&lamp).await, app.stock_of(&desk).await), (10, 3), "a cart reserves nothing");
}

#[tokio::test]
async fn zero_or_delete_removes_a_line_and_delete_cart_empties_it() {
    let Shop { app, ann, lamp, desk, .. } = shop().await;
    app.put_in_cart(&ann.access, &lamp, 2).await.assert_ok(200);
    app.put_in_cart(&ann.access, &desk, 1).await.assert_ok(200);

    let zero = app.put_in_cart(&ann.access, &lamp, 0).await;
    assert_eq!(lines_of(zero.assert_ok(200)), [(desk.clone(), 1)]);
    let again = app.put_in_cart(&ann.access, &lamp, 0).await;
    assert_eq!(lines_of(again.assert_ok(200)), [(desk.clone(), 1)], "removing what is not there is fine");

    let path = format!("/cart/items/{desk}");
    let emptied = app.delete(&path, Some(&ann.access)).await;
    assert_eq!(emptied.assert_ok(200), &json!({"items": [], "total": 0, "updated_at": null}));
    let missing = app.delete(&path, Some(&ann.access)).await;
    assert!(missing.assert_error(404, "NOT_FOUND")["message"].as_str().expect("message").contains(&desk));

    app.put_in_cart(&ann.access, &lamp, 1).await.assert_ok(200);
    app.put_in_cart(&ann.access, &desk, 1).await.assert_ok(200);
    let cleared = app.delete("/cart", Some(&ann.access)).await;
    assert_eq!(cleared.assert_ok(200), &json!({"items": [], "total": 0, "updated_at": null}));
    assert_eq!(lines_of(&app.cart(&ann.access).await), []);
    app.delete("/cart", Some(&ann.access)).await.assert_ok(200);
}

#[tokio::test]
async fn bad_input_is_answered_with_the_envelope_and_changes_nothing() {
    let Shop { app, ann, lamp, .. } = shop().await;
    let path = format!("/cart/items/{lamp}");
    let huge: Value = serde_json::from_str("99999999999999999999999").expect("json");
    for quantity in [json!(-1), json!(1.5), json!("2"), json!(1_001), json!(null), json!(true), huge] {
        let res = app.put(&path, &json!({ "quantity": quantity }), Some(&ann.access)).await;
        assert_eq!(detail_fields(res.assert_error(422, "VALIDATION_FAILED")), ["quantity"], "quantity {quantity}");
    }
    let res = app.put(&path, &json!({}), Some(&ann.access)).await;
    assert_eq!(detail_fields(res.assert_error(422, "VALIDATION_FAILED")), ["quantity"]);

    let unknown = app.put_in_cart(&ann.access, "no-such-product", 1).await;
    let error = unknown.assert_error(422, "VALIDATION_FAILED");
    assert_eq!(detail_fields(error), ["product_id"]);
    assert!(error["details"][0]["message"].as_str().expect("message").contains("no-such-product"));
    for odd in ["x".repeat(65), "a%23b".into(), "a.b".into(), "%F0%9F%9B%92".into()] {
        let res = app.put(&format!("/cart/items/{odd}"), &json!({"quantity": 1}), Some(&ann.access)).await;
        assert_eq!(detail_fields(res.assert_error(422, "VALIDATION_FAILED")), ["product_id"], "{odd}");
        app.delete(&format!("/cart/items/{odd}"), Some(&ann.access)).await.assert_error(404, "NOT_FOUND");
    }
    let both = app.put(&format!("/cart/items/{}", "y".repeat(65)), &json!({"quantity": -2}), Some(&ann.access)).await;
    assert_eq!(detail_fields(both.assert_error(422, "VALIDATION_FAILED")), ["product_id", "quantity"]);

    let not_json = app
        .send(
            app.http.put(app.url(&path)).bearer_auth(&ann.access).header("content-type", "application/json").body("{"),
        )
        .await;
    not_json.assert_error(400, "BAD_REQUEST");
    let no_body = app.send(app.http.put(app.url(&path)).bearer_auth(&ann.access)).await;
    no_body.assert_error(400, "BAD_REQUEST");
    let array = app.put(&path, &json!([1]), Some(&ann.access)).await;
    assert_eq!(detail_fields(array.assert_error(422, "VALIDATION_FAILED")), ["body"]);
    let bad_key = app.checkout(&ann.access, Some(&"k".repeat(129))).await;
    assert_eq!(detail_fields(bad_key.assert_error(422, "VALIDATION_FAILED")), ["Idempotency-Key"]);

    for res in [
        app.get("/cart", None).await,
        app.put(&path, &json!({"quantity": 1}), None).await,
        app.delete(&path, None).await,
        app.delete("/cart", None).await,
        app.post("/cart/checkout", &json!({}), None).await,
    ] {
        res.assert_error(401, "UNAUTHORIZED");
    }
    assert_eq!(app.cart(&ann.access).await["items"], json!([]));
}

#[tokio::test]
async fn the_cart_shows_current_prices_and_says_which_lines_cannot_be_bought() {
    let Shop { app, admin, ann, lamp, desk } = shop().await;
    app.put_in_cart(&ann.access, &lamp, 2).await.assert_ok(200);
    app.put_in_cart(&ann.access, &desk, 3).await.assert_ok(200);

    app.set_product(&admin, &lamp, json!({"price": 3_499, "name": "Bright Lamp"})).await;
    let repriced = app.cart(&ann.access).await;
    assert_eq!(repriced["items"][0]["name"], "Bright Lamp");
    assert_eq!(
        (repriced["items"][0]["unit_price"].clone(), repriced["total"].clone()),
        (json!(3_499), json!(6_998 + 149_700))
    );

    app.set_product(&admin, &desk, json!({"stock": 2})).await;
    let short = app.cart(&ann.access).await;
    assert_eq!(
        (short["items"][1]["available"].clone(), short["items"][1]["problem"].clone()),
        (json!(false), json!("short_of_stock"))
    );
    assert_eq!(short["total"], 6_998 + 149_700, "a short line still has its price");

    app.delete(&format!("/products/{lamp}"), Some(&admin.access)).await.assert_ok(200);
    let gone = app.cart(&ann.access).await;
    assert_eq!(
        gone["items"][0],
        json!({"product_id": lamp, "name": "Bright Lamp", "unit_price": 3_499, "quantity": 2, "line_total": 6_998,
               "available": false, "problem": "gone"})
    );
    assert_eq!(gone["total"], 149_700, "a gone product counts for nothing");

    let res = app.put_in_cart(&ann.access, &lamp, 3).await;
    assert_eq!(detail_fields(res.assert_error(422, "VALIDATION_FAILED")), ["product_id"]);
    let removed = app.put_in_cart(&ann.access, &lamp, 0).await;
    assert_eq!(lines_of(removed.assert_ok(200)), [(desk, 3)], "a gone product's line can still be removed");
}

#[tokio::test]
async fn a_cart_is_its_owners_alone_and_survives_logout() {
    let Shop { app, ann, lamp, desk, .. } = shop().await;
    let bob = app.user_session("bob", Role::User).await;
    app.put_in_cart(&ann.access, &lamp, 2).await.assert_ok(200);
    app.put_in_cart(&bob.access, &desk, 1).await.assert_ok(200);

    app.post("/auth/logout", &json!({"refresh_token": ann.refresh}), None).await.assert_ok(200);
    let again = app.session("ann", "ann-secret-pass").await;

    assert_eq!(lines_of(&app.cart(&again.access).await), [(lamp, 2)]);
    assert_eq!(lines_of(&app.cart(&bob.access).await), [(desk, 1)]);
    app.delete("/cart", Some(&bob.access)).await.assert_ok(200);
    assert_eq!(app.cart(&again.access).await["items"].as_array().expect("items").len(), 1);
}

/// The "done when" of the issue: fill, view, check out with a key, retry,
/// the cart is empty, the order is listed.
#[tokio::test]
async fn checkout_places_the_order_empties_the_cart_and_a_retry_with_the_key_replays_it() {
    let shop = shop().await;
    let Shop { app, ann, lamp, desk, .. } = &shop;
    app.put_in_cart(&ann.access, lamp, 2).await.assert_ok(200);
    app.put_in_cart(&ann.access, desk, 1).await.assert_ok(200);
    assert_eq!(app.cart(&ann.access).await["total"], 55_898);

    let first = app.checkout(&ann.access, Some("checkout-1")).await;
    let retry = app.checkout(&ann.access, Some("checkout-1")).await;

    let order = first.assert_ok(201).clone();
    assert!(first.headers.get("idempotent-replayed").is_none());
    shop.assert_two_lamps_and_a_desk(&order, &ann.user_id);
    assert_eq!(retry.assert_ok(201), &order);
    assert_eq!(retry.headers["idempotent-replayed"], "true");
    assert_eq!(app.cart(&ann.access).await, json!({"items": [], "total": 0, "updated_at": null}));
    assert_eq!((app.stock_of(lamp).await, app.stock_of(desk).await), (8, 2), "stock taken once");
    let listed = app.get("/orders", Some(&ann.access)).await;
    assert_eq!(listed.assert_ok(200)["items"], json!([order]));
    let history = app.get("/orders/history", Some(&ann.access)).await;
    let changes = history.assert_ok(200)["items"].clone();
    assert_eq!((changes[0]["order_id"].clone(), changes[0]["from"].clone()), (order["id"].clone(), Value::Null));

    // An empty cart cannot be checked out; a key is one request's only.
    app.checkout(&ann.access, None).await.assert_error(409, "CONFLICT");
    let as_order = app
        .post_with_headers(
            "/orders",
            &order_body(&[(lamp, 1)]),
            Some(&ann.access),
            &[("Idempotency-Key", "checkout-1")],
        )
        .await;
    assert_eq!(detail_fields(as_order.assert_error(422, "VALIDATION_FAILED")), ["Idempotency-Key"]);
    app.post_with_headers("/orders", &order_body(&[(lamp, 1)]), Some(&ann.access), &[("Idempotency-Key", "order-1")])
        .await
        .assert_ok(201);
    app.put_in_cart(&ann.access, lamp, 1).await.assert_ok(200);
    let reused = app.checkout(&ann.access, Some("order-1")).await;
    assert_eq!(detail_fields(reused.assert_error(422, "VALIDATION_FAILED")), ["Idempotency-Key"]);
    assert_eq!(lines_of(&app.cart(&ann.access).await), [(lamp.clone(), 1)], "the cart is left as it was");
    assert_eq!(app.stock_of(lamp).await, 7);
}

#[tokio::test]
async fn concurrent_checkouts_of_one_cart_place_one_order() {
    let Shop { app, ann, lamp, desk, .. } = shop().await;
    app.put_in_cart(&ann.access, &lamp, 1).await.assert_ok(200);
    app.put_in_cart(&ann.access, &desk, 1).await.assert_ok(200);

    let results = join_all((0..6).map(|_| app.checkout(&ann.access, None))).await;

    let statuses: Vec<u16> = results.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    for res in results.iter().filter(|r| r.status != 201) {
        res.assert_error(409, "CONFLICT");
    }
    assert_eq!((app.stock_of(&lamp).await, app.stock_of(&desk).await), (9, 2));
    assert_eq!(app.order_count(&ann.access).await, 1);
    assert_eq!(app.cart(&ann.access).await["items"], json!([]));

    // With one key (a double click), every answer is the one order.
    app.put_in_cart(&ann.access, &lamp, 1).await.assert_ok(200);
    let results = join_all((0..6).map(|_| app.checkout(&ann.access, Some("double-click")))).await;
    let ids: Vec<&Value> = results.iter().map(|r| &r.assert_ok(201)["id"]).collect();
    assert!(ids.windows(2).all(|w| w[0] == w[1]), "{ids:?}");
    assert_eq!(app.stock_of(&lamp).await, 8);
    assert_eq!(app.order_count(&ann.access).await, 2);
}

#[tokio::test]
async fn a_price_change_since_the_cart_was_read_is_409_naming_the_line_and_the_cart_stays() {
    let Shop { app, admin, ann, lamp, desk } = shop().await;
    app.put_in_cart(&ann.access, &lamp, 2).await.assert_ok(200);
    app.put_in_cart(&ann.access, &desk, 1).await.assert_ok(200);
    app.set_product(&admin, &desk, json!({"price": 45_000})).await;

    let refused = app.checkout(&ann.access, Some("after-repricing")).await;

    refused.assert_error(409, "CONFLICT");
    let text = message(&refused);
    assert!(text.contains(&desk) && text.contains("Standing Desk") && text.contains("49900 to 45000"), "{text}");
    assert!(!text.contains(&lamp), "only the repriced line is named: {text}");
    assert_eq!((app.stock_of(&lamp).await, app.stock_of(&desk).await), (10, 3));
    assert_eq!(app.order_count(&ann.access).await, 0);

    // Reading the cart shows (and records) the new price; then checkout goes through at it.
    let cart = app.cart(&ann.access).await;
    assert_eq!(lines_of(&cart), [(lamp.clone(), 2), (desk.clone(), 1)], "the cart is left as it was");
    assert_eq!(cart["items"][1]["unit_price"], 45_000);
    let placed = app.checkout(&ann.access, Some("after-repricing")).await;
    assert_eq!(placed.assert_ok(201)["total"], 2 * 2_999 + 45_000);
    assert!(placed.headers.get("idempotent-replayed").is_none(), "a refused checkout claims no key");
}

#[tokio::test]
async fn a_gone_or_short_line_refuses_checkout_naming_it_and_the_cart_stays() {
    let Shop { app, admin, ann, lamp, desk } = shop().await;
    app.put_in_cart(&ann.access, &lamp, 2).await.assert_ok(200);
    app.put_in_cart(&ann.access, &desk, 3).await.assert_ok(200);
    app.set_product(&admin, &desk, json!({"stock": 2})).await;

    let short = app.checkout(&ann.access, None).await;
    short.assert_error(409, "CONFLICT");
    assert!(message(&short).contains(&format!("items[1] (product {desk}")), "{}", message(&short));
    assert!(message(&short).contains("only 2 in stock for the 3"), "{}", message(&short));

    app.delete(&format!("/products/{lamp}"), Some(&admin.access)).await.assert_ok(200);
    let both = app.checkout(&ann.access, None).await;
    both.assert_error(409, "CONFLICT");
    let text = message(&both);
    assert!(
        text.contains(&format!("items[0] (product {lamp}, \"Desk Lamp\"): the product is no longer sold")),
        "{text}"
    );
    assert!(text.contains(&desk), "every line in trouble is named: {text}");

    assert_eq!(app.stock_of(&desk).await, 2);
    assert_eq!(app.order_count(&ann.access).await, 0);
    assert_eq!(lines_of(&app.cart(&ann.access).await), [(lamp, 2), (desk, 3)], "the cart is left as it was");
}

#[tokio::test]
async fn checkouts_racing_for_scarce_stock_sell_exactly_the_stock_and_losers_keep_their_carts() {
    let app = spawn_app().await;
    let admin = app.user_session("boss", Role::Admin).await;
    let product = app.create_product(&admin.access, "Limited Edition", 10_000, 5, "rare").await;
    let mut buyers = Vec::new();
    for i in 0..8 {
        let buyer = app.user_session(&format!("buyer{i}"), Role::User).await;
        app.put_in_cart(&buyer.access, &product, 1).await.assert_ok(200);
        buyers.push(buyer);
    }

    let results = join_all(buyers.iter().map(|b| app.checkout(&b.access, None))).await;

    let statuses: Vec<u16> = results.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 5, "{statuses:?}");
    assert_eq!(app.stock_of(&product).await, 0);
    for (buyer, res) in buyers.iter().zip(&results) {
        let cart = app.cart(&buyer.access).await;
        if res.status == 201 {
            assert_eq!(cart["items"], json!([]));
        } else {
            res.assert_error(409, "CONFLICT");
            // Named, unless the transaction only ever lost races ("try again").
            let text = message(res);
            assert!(text.contains(&product) || text.contains("concurrently"), "{text}");
            assert_eq!(lines_of(&cart), [(product.clone(), 1)], "a loser keeps the cart");
            assert_eq!(cart["items"][0]["problem"], "short_of_stock");
        }
    }
}

/// Checkouts racing an admin's price and stock changes: whichever commits
/// first, the outcome is all or nothing — an order at the price the user saw
/// with the stock taken and the cart emptied, or a 409 naming the line with
/// the stock and the cart untouched.
#[tokio::test]
async fn a_checkout_racing_an_admin_price_or_stock_change_is_all_or_nothing() {
    let Shop { app, admin, ann, lamp, .. } = shop().await;
    let (mut placed, mut refused) = (0, 0);
    let mut price = 2_999;
    for round in 0..8 {
        app.put_in_cart(&ann.access, &lamp, 1).await.assert_ok(200);
        let seen = app.cart(&ann.access).await;
        assert_eq!(seen["items"][0]["unit_price"], price);
        let stock_before = app.stock_of(&lamp).await;
        let reprice = round % 2 == 0;
        let change = if reprice { json!({"price": price + 1}) } else { json!({"stock": 0}) };

        let (res, _) = tokio::join!(app.checkout(&ann.access, None), app.set_product(&admin, &lamp, change));

        let cart = app.cart(&ann.access).await;
        if res.status == 201 {
            placed += 1;
            assert_eq!(res.assert_ok(201)["items"][0]["unit_price"], price, "the price the user saw");
            assert_eq!(cart["items"], json!([]));
        } else {
            refused += 1;
            res.assert_error(409, "CONFLICT");
            assert!(message(&res).contains(&lamp), "{}", message(&res));
            assert_eq!(lines_of(&cart), [(lamp.clone(), 1)], "the cart stays");
        }
        if reprice {
            price += 1;
            let expected = if res.status == 201 { stock_before - 1 } else { stock_before };
            assert_eq!(app.stock_of(&lamp).await, expected, "round {round}");
        } else {
            assert_eq!(app.stock_of(&lamp).await, 0, "round {round}");
            app.set_product(&admin, &lamp, json!({"stock": 10})).await;
        }
        app.delete("/cart", Some(&ann.access)).await.assert_ok(200);
    }
    assert_eq!(app.order_count(&ann.access).await, placed, "{placed} placed, {refused} refused");
}

/// The transaction itself, without the handler's checks before it: a price
/// changed after the cart was read fails the line, a cart changed after it
/// was read fails the cart's deletion, and either way nothing is written.
#[tokio::test]
async fn the_checkout_transaction_fails_whole_on_a_stale_price_or_a_changed_cart() {
    let Shop { app, admin, ann, lamp, desk } = shop().await;
    let carts = CartsRepo::new(app.gateway.client.clone(), app.table("carts"));
    let orders = OrdersRepo::new(app.gateway.client.clone(), app.table("orders"), app.table("products"));
    let products = ProductsRepo::new(app.gateway.client.clone(), app.table("products"));
    app.put_in_cart(&ann.access, &lamp, 2).await.assert_ok(200);
    app.put_in_cart(&ann.access, &desk, 1).await.assert_ok(200);
    let now = shared::clock::Now::read();
    let order_of = |cart: &Cart, found: &HashMap<String, Product>| {
        let lines: Vec<(&Product, Quantity)> = cart
            .lines
            .iter()
            .map(|l| (&found[&l.product_id], Quantity::from_stored(l.quantity).expect("qty")))
            .collect();
        functions::orders::place::priced_order(&ann.user_id, &lines, now).expect("priced")
    };

    let read = carts.get(&ann.user_id).await.expect("cart");
    let found = products.get_many(&[&lamp, &desk]).await.expect("products");
    app.set_product(&admin, &desk, json!({"price": 45_000})).await;
    let stale = order_of(&read, &found);
    let outcome = orders.place(&stale, None, Some(carts.emptied_with_order(&read).expect("tied")), now.unix()).await;
    assert_eq!(outcome.expect("answered"), PlaceOutcome::LineRejected(1));

    let found = products.get_many(&[&lamp, &desk]).await.expect("products");
    app.put_in_cart(&ann.access, &lamp, 3).await.assert_ok(200);
    let fresh = order_of(&read, &found);
    let outcome = orders.place(&fresh, None, Some(carts.emptied_with_order(&read).expect("tied")), now.unix()).await;
    assert_eq!(outcome.expect("answered"), PlaceOutcome::TiedRejected);

    assert_eq!((app.stock_of(&lamp).await, app.stock_of(&desk).await), (10, 3));
    assert_eq!(app.order_count(&ann.access).await, 0);
    assert_eq!(lines_of(&app.cart(&ann.access).await), [(lamp, 3), (desk, 1)]);
}

/// DynamoDB takes 100 actions in one transaction: 50 lines are 50 stock
/// updates plus the order, its history entry, the key and the cart's
/// deletion, 54 in all. The 51st different product is refused.
#[tokio::test]
async fn fifty_lines_fit_the_fifty_first_is_refused_and_fifty_check_out_in_one_transaction() {
    let app = spawn_app().await;
    let admin = app.user_session("boss", Role::Admin).await;
    let ann = app.user_session("ann", Role::User).await;
    let mut ids = Vec::new();
    for i in 0..51 {
        ids.push(app.create_product(&admin.access, &format!("Part {i:02}"), 100 + i, 5, "parts").await);
    }
    for id in &ids[..50] {
        app.put_in_cart(&ann.access, id, 2).await.assert_ok(200);
    }

    let too_many = app.put_in_cart(&ann.access, &ids[50], 1).await;
    assert_eq!(detail_fields(too_many.assert_error(422, "VALIDATION_FAILED")), ["product_id"]);
    let cart = app.put_in_cart(&ann.access, &ids[7], 3).await;
    assert_eq!(cart.assert_ok(200)["items"].as_array().expect("items").len(), 50, "existing lines still change");
    app.put_in_cart(&ann.access, &ids[7], 2).await.assert_ok(200);

    let res = app.checkout(&ann.access, Some("fifty")).await;

    let order = res.assert_ok(201);
    assert_eq!(order["items"].as_array().expect("items").len(), 50);
    assert_eq!(order["total"], (0..50).map(|i| (100 + i) * 2).sum::<i64>());
    for id in &ids[..50] {
        assert_eq!(app.stock_of(id).await, 3);
    }
    assert_eq!(app.stock_of(&ids[50]).await, 5);
    assert_eq!(app.cart(&ann.access).await["items"], json!([]));
    assert_eq!(app.order_count(&ann.access).await, 1);
}
