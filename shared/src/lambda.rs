//! The Lambda transport: the `main` of every function binary. Tracing, config
//! and clients are set up once per cold start, then the runtime loop serves
//! invocations with the same [`Served`] routes the local gateway uses.

use lambda_http::{service_fn, Request};
use tracing::Instrument;

use crate::config::Env;
use crate::route::{EventHandler, InitContext, Route, RouteDecl, Served};

/// The `main` of every HTTP function: tracing, config and clients once per cold
/// start, then the Lambda runtime loop. Each invocation logs under a span with
/// the function and the caller, and prints one EMF metrics line.
pub fn run<R: Route>(decl: &'static RouteDecl) -> Result<(), lambda_http::Error> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        crate::telemetry::init_json();
        let ctx = InitContext::new(Env::from_process());
        let served =
            Served::<R>::init(decl, &ctx).await.inspect_err(|e| tracing::error!(error = %e, "cold start failed"))?;
        let served: &'static Served<R> = Box::leak(Box::new(served));
        lambda_http::run(service_fn(move |req: Request| async move {
            let started = std::time::Instant::now();
            let user_id = crate::http::authorizer_field(&req, "user_id").unwrap_or_default();
            let span = tracing::info_span!("handler", function = decl.name, user_id = %user_id);
            let (response, error_code) = served.respond(req).instrument(span).await;
            let outcome = crate::metrics::RequestOutcome {
                function: decl.name,
                status: response.status().as_u16(),
                error_code,
                latency: started.elapsed(),
            };
            println!("{}", outcome.emf(crate::clock::Now::read().unix_millis()));
            Ok::<_, lambda_http::Error>(response)
        }))
        .await
    })
}

/// The `main` of an event function.
pub fn run_event<H: EventHandler>() -> Result<(), lambda_runtime::Error> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        crate::telemetry::init_json();
        let ctx = InitContext::new(Env::from_process());
        let handler: &'static H =
            Box::leak(Box::new(H::init(&ctx).await.inspect_err(|e| tracing::error!(error = %e, "cold start failed"))?));
        lambda_runtime::run(lambda_runtime::service_fn(move |event: lambda_runtime::LambdaEvent<H::Event>| {
            handler.handle(event.payload)
        }))
        .await
    })
}
