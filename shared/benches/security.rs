//! Token issue/verify and password hash/verify, the per-request costs of the
//! security core. `cargo bench -p shared --bench security`; figures in BENCHMARKS.md.

use criterion::{criterion_group, criterion_main, Criterion};
use shared::clock::Now;
use shared::config::Env;
use shared::domain::Role;
use shared::password;
use shared::token::{new_refresh_token, refresh_token_hash, TokenService};

fn tokens(c: &mut Criterion) {
    let env = Env::from_pairs([("JWT_SECRET", "benchmark-secret-benchmark-secret-0123456789")]);
    let service = TokenService::from_env(&env).expect("settings");
    let token = service.issue_access("user-1", "ann", Role::User, "session-1", Now::read()).expect("token");
    c.bench_function("access token issue", |b| {
        b.iter(|| service.issue_access("user-1", "ann", Role::User, "session-1", Now::read()).expect("token"))
    });
    c.bench_function("access token verify", |b| b.iter(|| service.verify_access(&token).expect("valid")));
    c.bench_function("refresh token new + hash", |b| {
        b.iter(|| {
            let token = new_refresh_token().expect("random");
            refresh_token_hash(token.expose()).expect("hash")
        })
    });
}

fn passwords(c: &mut Criterion) {
    let mut group = c.benchmark_group("argon2id m=19MiB t=2 p=1");
    group.sample_size(20);
    let phc = password::hash_blocking("correct horse battery staple").expect("hash");
    group.bench_function("password hash", |b| b.iter(|| password::hash_blocking("correct horse battery staple")));
    group.bench_function("password verify", |b| {
        b.iter(|| password::verify_blocking("correct horse battery staple", Some(&phc)))
    });
    group.bench_function("policy check (common-list lookup)", |b| {
        b.iter(|| password::check_policy("correct horse battery staple", "ann"))
    });
    group.finish();
}

criterion_group!(benches, tokens, passwords);
criterion_main!(benches);
