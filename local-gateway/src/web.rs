//! The web client (`web/`) on an origin of its own, as the run command serves it.
//!
//! [`ensure_built`] runs `npm ci` and `npm run build` in `web/` when `web/dist`
//! is missing or older than what it is built from (the way the gateway fetches
//! DynamoDB Local on first run). [`StaticSite`] answers for `web/dist`: the
//! files, `/config.json` (the API's URL, so one build serves any stack),
//! `index.html` for the app's own paths (client-side routing), and on every
//! answer the Content-Security-Policy the app is built to pass (docs/web.md).
//! It is served on its own port, so the browser does real CORS against the API.

use std::convert::Infallible;
use std::path::{Component, Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use http::{header, HeaderValue, Method, Response, StatusCode};
use http_body_util::Full;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::process::Command;
use tokio::sync::watch;

/// What a build of `web/dist` is made from, relative to `web/` (folders are walked).
const BUILD_INPUTS: &[&str] =
    &["src", "public", "index.html", "package.json", "package-lock.json", "vite.config.ts", "tsconfig.json", "scripts"];

/// Whether `web/dist` can be served as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Freshness {
    Fresh,
    /// No `dist/index.html`.
    Missing,
    /// This input changed after the last build.
    Stale(PathBuf),
}

#[derive(Debug, thiserror::Error)]
pub enum WebBuildError {
    #[error("could not run npm ({0}); Node.js with npm is needed to build the web client (or pass --no-web)")]
    Npm(std::io::Error),
    #[error("`npm {command}` failed in {dir}: {tail}")]
    Failed { command: String, dir: String, tail: String },
}

/// Compares the newest build input (and the API contract the client's types
/// are generated from) with `dist/index.html`.
pub fn freshness(web_dir: &Path, contract: &Path) -> Freshness {
    let Some(built) = modified(&web_dir.join("dist/index.html")) else {
        return Freshness::Missing;
    };
    let mut inputs: Vec<PathBuf> = BUILD_INPUTS.iter().map(|p| web_dir.join(p)).collect();
    inputs.push(contract.to_path_buf());
    match newest(&inputs) {
        Some((path, time)) if time > built => Freshness::Stale(path),
        _ => Freshness::Fresh,
    }
}

/// `npm ci` is due when `node_modules` is missing or older than the lock file
/// (npm writes `node_modules/.package-lock.json` on every install).
pub fn needs_install(web_dir: &Path) -> bool {
    match (modified(&web_dir.join("node_modules/.package-lock.json")), modified(&web_dir.join("package-lock.json"))) {
        (Some(installed), Some(locked)) => installed < locked,
        _ => true,
    }
}

/// Builds the client if `dist` is missing or stale; `Ok(false)` when nothing was to do.
pub async fn ensure_built(web_dir: &Path, contract: &Path) -> Result<bool, WebBuildError> {
    let reason = match freshness(web_dir, contract) {
        Freshness::Fresh => return Ok(false),
        Freshness::Missing => "web/dist is missing".to_owned(),
        Freshness::Stale(input) => format!("{} changed since the last build", input.display()),
    };
    tracing::info!(%reason, "building the web client (npm run build in web/)");
    if needs_install(web_dir) {
        npm(web_dir, &["ci", "--no-audit", "--no-fund"]).await?;
    }
    npm(web_dir, &["run", "build"]).await?;
    Ok(true)
}

async fn npm(dir: &Path, args: &[&str]) -> Result<(), WebBuildError> {
    let started = std::time::Instant::now();
    let output = Command::new("npm")
        .args(args)
        .current_dir(dir)
        // The browser tests bring their own Chromium (Debian's); never download one.
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
        .stdin(Stdio::null())
        .output()
        .await
        .map_err(WebBuildError::Npm)?;
    if !output.status.success() {
        let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&output.stderr));
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let tail = lines[lines.len().saturating_sub(15)..].join("\n");
        return Err(WebBuildError::Failed { command: args.join(" "), dir: dir.display().to_string(), tail });
    }
    tracing::info!(command = %format!("npm {}", args.join(" ")), ms = started.elapsed().as_millis() as u64, "done");
    Ok(())
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The most recently modified file under `paths` (folders walked, `node_modules` skipped).
fn newest(paths: &[PathBuf]) -> Option<(PathBuf, SystemTime)> {
    let mut best: Option<(PathBuf, SystemTime)> = None;
    let mut stack: Vec<PathBuf> = paths.to_vec();
    while let Some(path) = stack.pop() {
        let Ok(meta) = std::fs::metadata(&path) else { continue };
        if meta.is_dir() {
            if path.file_name().is_some_and(|n| n == "node_modules") {
                continue;
            }
            if let Ok(entries) = std::fs::read_dir(&path) {
                stack.extend(entries.filter_map(|e| e.ok().map(|e| e.path())));
            }
        } else if let Ok(time) = meta.modified() {
            if best.as_ref().is_none_or(|(_, t)| time > *t) {
                best = Some((path, time));
            }
        }
    }
    best
}

/// The policy the client is built to pass: nothing inline, nothing from
/// elsewhere but the API (`connect-src`), no framing, no plugins.
pub fn content_security_policy(api_origin: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; \
         connect-src 'self' {api_origin}; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'; manifest-src 'self'; worker-src 'none'"
    )
}

/// `scheme://host[:port]` of a URL (what CSP source lists and CORS compare).
pub fn origin_of(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    format!("{scheme}://{authority}")
}

/// `web/dist` as a site: the files, `/config.json`, and `index.html` for app paths.
pub struct StaticSite {
    dist: PathBuf,
    config_json: Bytes,
    csp: HeaderValue,
}

impl StaticSite {
    pub fn new(dist: impl Into<PathBuf>, api_url: &str) -> Self {
        let config = serde_json::json!({ "api_url": api_url.trim_end_matches('/') });
        let csp = HeaderValue::from_str(&content_security_policy(&origin_of(api_url)))
            .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"));
        Self { dist: dist.into(), config_json: Bytes::from(config.to_string()), csp }
    }

    /// The answer to `method path` (`accept_encoding`: the request's `Accept-Encoding`).
    pub fn respond(&self, method: &Method, path: &str, accept_encoding: &str) -> Response<Bytes> {
        if method != Method::GET && method != Method::HEAD {
            let mut response = self.plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
            response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            return response;
        }
        if path == "/config.json" {
            return self.finish(StatusCode::OK, self.config_json.clone(), "application/json", "no-store", None, method);
        }
        let Some(relative) = safe_relative(path) else {
            return self.plain(StatusCode::NOT_FOUND, "not found\n");
        };
        let file = self.dist.join(&relative);
        if relative.as_os_str().is_empty() || !file.is_file() {
            // The app's own routes (`/orders/123`) have no extension; a missing
            // asset (`/assets/x.js`) is a real 404, never HTML posing as JS.
            let last = relative.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if last.contains('.') {
                return self.plain(StatusCode::NOT_FOUND, "not found\n");
            }
            return self.file(&self.dist.join("index.html"), "no-cache", accept_encoding, method);
        }
        let cache = if relative.starts_with("assets") {
            // Vite puts a content hash in every name under assets/.
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        self.file(&file, cache, accept_encoding, method)
    }

    fn file(&self, file: &Path, cache: &'static str, accept_encoding: &str, method: &Method) -> Response<Bytes> {
        let content_type = content_type(file);
        // A precompressed sibling (`x.js.gz`, written by the build) when the client takes gzip.
        let gz = PathBuf::from(format!("{}.gz", file.display()));
        if accepts_gzip(accept_encoding) {
            if let Ok(body) = std::fs::read(&gz) {
                return self.finish(StatusCode::OK, Bytes::from(body), content_type, cache, Some("gzip"), method);
            }
        }
        match std::fs::read(file) {
            Ok(body) => self.finish(StatusCode::OK, Bytes::from(body), content_type, cache, None, method),
            Err(_) => self.plain(StatusCode::NOT_FOUND, "not found (is web/dist built?)\n"),
        }
    }

    fn plain(&self, status: StatusCode, text: &'static str) -> Response<Bytes> {
        self.finish(
            status,
            Bytes::from_static(text.as_bytes()),
            "text/plain; charset=utf-8",
            "no-store",
            None,
            &Method::GET,
        )
    }

    fn finish(
        &self,
        status: StatusCode,
        body: Bytes,
        content_type: &'static str,
        cache: &'static str,
        encoding: Option<&'static str>,
        method: &Method,
    ) -> Response<Bytes> {
        let length = body.len();
        let body = if method == Method::HEAD { Bytes::new() } else { body };
        let mut response = Response::new(body);
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        if let Some(encoding) = encoding {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
        }
        headers.insert(header::CONTENT_SECURITY_POLICY, self.csp.clone());
        headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
        headers.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
        headers.insert("permissions-policy", HeaderValue::from_static("camera=(), microphone=(), geolocation=()"));
        response
    }
}

/// The request path as a path under `dist`, or `None` if it tries to leave it.
fn safe_relative(path: &str) -> Option<PathBuf> {
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8().ok()?;
    if decoded.contains('\0') || decoded.contains('\\') {
        return None;
    }
    let mut relative = PathBuf::new();
    for component in Path::new(decoded.trim_start_matches('/')).components() {
        match component {
            Component::Normal(part) => relative.push(part),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(relative)
}

fn accepts_gzip(accept_encoding: &str) -> bool {
    accept_encoding.split(',').any(|part| {
        let mut pieces = part.split(';');
        let name = pieces.next().unwrap_or_default().trim();
        let refused = pieces.any(|p| p.trim().replace(' ', "") == "q=0");
        name.eq_ignore_ascii_case("gzip") && !refused
    })
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "webp" => "image/webp",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        "webmanifest" => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

/// Serves `site` until `shutdown` flips to true.
pub async fn serve(listener: TcpListener, site: Arc<StaticSite>, mut shutdown: watch::Receiver<bool>) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let site = site.clone();
                let service = hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                    let site = site.clone();
                    async move {
                        let encoding = request
                            .headers()
                            .get(header::ACCEPT_ENCODING)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default();
                        let response = site.respond(request.method(), request.uri().path(), encoding);
                        let (parts, body) = response.into_parts();
                        Ok::<_, Infallible>(Response::from_parts(parts, Full::new(body)))
                    }
                });
                let connection = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
                let connection = graceful.watch(connection);
                tokio::spawn(async move {
                    let _ = connection.await;
                });
            }
            _ = shutdown.changed() => break,
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), graceful.shutdown()).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// A `web/` folder with a built `dist` and a contract beside it.
    struct Fixture {
        root: PathBuf,
    }

    impl Fixture {
        fn new() -> Self {
            let root = std::env::temp_dir().join(format!("web-test-{}", uuid::Uuid::new_v4().simple()));
            let web = root.join("web");
            std::fs::create_dir_all(web.join("src")).unwrap();
            std::fs::create_dir_all(web.join("dist/assets")).unwrap();
            std::fs::write(web.join("src/main.tsx"), "x").unwrap();
            std::fs::write(web.join("package-lock.json"), "{}").unwrap();
            std::fs::write(root.join("openapi.yaml"), "openapi: 3.1.0").unwrap();
            std::fs::write(web.join("dist/index.html"), "<!doctype html><div id=root></div>").unwrap();
            std::fs::write(web.join("dist/assets/index-abc.js"), "console.log(1)").unwrap();
            std::fs::write(web.join("dist/assets/index-abc.js.gz"), "gzipped").unwrap();
            let fixture = Self { root };
            // Sources an hour old, the build a minute old.
            for input in ["web/src/main.tsx", "web/package-lock.json", "openapi.yaml"] {
                fixture.age(input, 3600);
            }
            fixture.age("web/dist/index.html", 60);
            fixture
        }
        fn web(&self) -> PathBuf {
            self.root.join("web")
        }
        fn contract(&self) -> PathBuf {
            self.root.join("openapi.yaml")
        }
        fn age(&self, relative: &str, seconds: u64) {
            let file = std::fs::File::options().write(true).open(self.root.join(relative)).unwrap();
            file.set_modified(SystemTime::now() - Duration::from_secs(seconds)).unwrap();
        }
        /// The site over this fixture's `dist` (keep the fixture alive: dropping it removes the folder).
        fn site(&self) -> StaticSite {
            StaticSite::new(self.web().join("dist"), "http://127.0.0.1:3000/")
        }
    }

    impl Drop for Fixture {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }

    #[test]
    fn a_build_newer_than_its_inputs_is_fresh() {
        let fixture = Fixture::new();
        assert_eq!(freshness(&fixture.web(), &fixture.contract()), Freshness::Fresh);
    }

    #[test]
    fn a_missing_build_is_missing() {
        let fixture = Fixture::new();
        std::fs::remove_file(fixture.web().join("dist/index.html")).unwrap();
        assert_eq!(freshness(&fixture.web(), &fixture.contract()), Freshness::Missing);
    }

    #[test]
    fn a_changed_source_or_contract_makes_the_build_stale() {
        let fixture = Fixture::new();
        std::fs::write(fixture.web().join("src/main.tsx"), "y").unwrap();
        assert_eq!(
            freshness(&fixture.web(), &fixture.contract()),
            Freshness::Stale(fixture.web().join("src/main.tsx"))
        );

        let fixture = Fixture::new();
        std::fs::write(fixture.contract(), "openapi: 3.1.1").unwrap();
        assert_eq!(freshness(&fixture.web(), &fixture.contract()), Freshness::Stale(fixture.contract()));
    }

    #[test]
    fn node_modules_older_than_the_lock_file_needs_an_install() {
        let fixture = Fixture::new();
        assert!(needs_install(&fixture.web()), "no node_modules at all");
        std::fs::create_dir_all(fixture.web().join("node_modules")).unwrap();
        std::fs::write(fixture.web().join("node_modules/.package-lock.json"), "{}").unwrap();
        assert!(!needs_install(&fixture.web()));
        std::fs::write(fixture.web().join("package-lock.json"), "{\"changed\":1}").unwrap();
        fixture.age("web/node_modules/.package-lock.json", 60);
        assert!(needs_install(&fixture.web()));
    }

    #[test]
    fn config_json_names_the_api_and_is_never_cached() {
        let fixture = Fixture::new();
        let response = fixture.site().respond(&Method::GET, "/config.json", "");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
        let body: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
        assert_eq!(body, serde_json::json!({ "api_url": "http://127.0.0.1:3000" }));
    }

    #[test]
    fn app_paths_fall_back_to_index_html_but_missing_files_are_404() {
        let fixture = Fixture::new();
        let site = fixture.site();
        for path in ["/", "/orders/123", "/admin/users", "/products/demo-mug"] {
            let response = site.respond(&Method::GET, path, "");
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            assert!(response.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"), "{path}");
            assert!(response.body().starts_with(b"<!doctype html>"), "{path}");
        }
        assert_eq!(site.respond(&Method::GET, "/assets/missing.js", "").status(), StatusCode::NOT_FOUND);
    }

    #[test]
    fn paths_that_leave_dist_are_refused() {
        let fixture = Fixture::new();
        let site = fixture.site();
        for path in ["/../openapi.yaml", "/assets/%2e%2e/%2e%2e/openapi.yaml", "/..%2fopenapi.yaml", "/a\\b.js"] {
            let response = site.respond(&Method::GET, path, "");
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
            assert!(!response.body().starts_with(b"openapi"), "{path}");
        }
    }

    #[test]
    fn every_answer_carries_the_csp_and_assets_are_immutable() {
        let fixture = Fixture::new();
        let site = fixture.site();
        let asset = site.respond(&Method::GET, "/assets/index-abc.js", "");
        let csp = asset.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
        assert!(csp.contains("script-src 'self';"), "{csp}");
        assert!(csp.contains("style-src 'self';"), "{csp}");
        assert!(csp.contains("connect-src 'self' http://127.0.0.1:3000;"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(asset.headers()[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
        assert_eq!(asset.headers()[header::CONTENT_TYPE], "text/javascript; charset=utf-8");
        for path in ["/", "/config.json", "/assets/missing.js"] {
            assert_eq!(site.respond(&Method::GET, path, "").headers()[header::CONTENT_SECURITY_POLICY], csp.as_str());
        }
        assert_eq!(site.respond(&Method::GET, "/", "").headers()[header::CACHE_CONTROL], "no-cache");
    }

    #[test]
    fn gzip_is_served_only_to_clients_that_take_it() {
        let fixture = Fixture::new();
        let site = fixture.site();
        let zipped = site.respond(&Method::GET, "/assets/index-abc.js", "br, gzip");
        assert_eq!(zipped.headers()[header::CONTENT_ENCODING], "gzip");
        assert_eq!(zipped.body().as_ref(), b"gzipped");
        for refusing in ["", "br", "gzip;q=0"] {
            let plain = site.respond(&Method::GET, "/assets/index-abc.js", refusing);
            assert!(plain.headers().get(header::CONTENT_ENCODING).is_none(), "{refusing}");
            assert_eq!(plain.body().as_ref(), b"console.log(1)");
        }
    }

    #[test]
    fn only_reads_are_allowed() {
        let fixture = Fixture::new();
        let site = fixture.site();
        assert_eq!(site.respond(&Method::POST, "/", "").status(), StatusCode::METHOD_NOT_ALLOWED);
        let head = site.respond(&Method::HEAD, "/", "");
        assert_eq!(head.status(), StatusCode::OK);
        assert!(head.body().is_empty());
    }

    #[test]
    fn origin_of_keeps_scheme_host_and_port() {
        assert_eq!(
            origin_of("https://abc.execute-api.eu-west-1.amazonaws.com/Prod/"),
            "https://abc.execute-api.eu-west-1.amazonaws.com"
        );
        assert_eq!(origin_of("http://127.0.0.1:3000"), "http://127.0.0.1:3000");
    }

    #[tokio::test]
    async fn the_server_answers_over_http() {
        let fixture = Fixture::new();
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = watch::channel(false);
        let server = tokio::spawn(serve(listener, Arc::new(fixture.site()), stopped));

        let response = reqwest::get(format!("http://{addr}/orders/42")).await.unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.headers().contains_key("content-security-policy"));
        assert!(response.text().await.unwrap().contains("id=root"));

        stop.send(true).unwrap();
        server.await.unwrap();
    }
}
