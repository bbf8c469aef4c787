//! `cargo xtask new-route`: declares a route in `functions/routes.toml` and
//! writes what a person then edits — the handler, its test, the openapi.yaml
//! stub — before deriving everything else with `gen`.

use std::path::{Path, PathBuf};

use crate::manifest::{pascal, Manifest, ACCESS_KINDS, PATH as MANIFEST};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub name: String,
    pub method: String,
    pub path: String,
    pub access: String,
    pub summary: String,
    /// `(table, actions)` as given with `--dynamodb table=A,B`.
    pub dynamodb: Vec<(String, Vec<String>)>,
}

impl Request {
    pub fn parse(args: &[String]) -> Result<Self, String> {
        let usage = || crate::USAGE.to_owned();
        let [name, method, path, access, rest @ ..] = args else { return Err(usage()) };
        let mut request = Self {
            name: name.clone(),
            method: method.to_ascii_uppercase(),
            path: path.clone(),
            access: access.clone(),
            summary: String::new(),
            dynamodb: Vec::new(),
        };
        let mut rest = rest.iter();
        while let Some(flag) = rest.next() {
            let value = rest.next().ok_or_else(|| format!("{flag} needs a value\n{}", usage()))?;
            match flag.as_str() {
                "--summary" => request.summary = value.clone(),
                "--dynamodb" => {
                    let (table, actions) = value
                        .split_once('=')
                        .ok_or_else(|| format!("--dynamodb takes TABLE=Action,Action, not {value:?}"))?;
                    request.dynamodb.push((table.to_owned(), actions.split(',').map(str::to_owned).collect()));
                }
                other => return Err(format!("unknown option {other:?}\n{}", usage())),
            }
        }
        if request.summary.is_empty() {
            request.summary = format!("{} {}", request.method, request.path);
        }
        Ok(request)
    }

    /// `cart-get` → module `cart::get`, type `CartGet`; a one-word name is a
    /// top-level module.
    fn module(&self) -> (Option<String>, String) {
        match self.name.split_once('-') {
            Some((domain, action)) => (Some(domain.replace('-', "_")), action.replace('-', "_")),
            None => (None, self.name.replace('-', "_")),
        }
    }

    fn handler_path(&self) -> String {
        match self.module() {
            (Some(domain), action) => format!("{domain}::{action}::{}", pascal(&self.name)),
            (None, module) => format!("{module}::{}", pascal(&self.name)),
        }
    }

    fn manifest_entry(&self) -> String {
        let mut entry = format!(
            "[[route]]\nname = {:?}\nmethod = {:?}\npath = {:?}\naccess = {:?}\nhandler = {:?}\nsummary = {:?}\n",
            self.name,
            self.method,
            self.path,
            self.access,
            self.handler_path(),
            self.summary
        );
        if !self.dynamodb.is_empty() {
            let tables: Vec<String> = self
                .dynamodb
                .iter()
                .map(|(table, actions)| {
                    let actions: Vec<String> = actions.iter().map(|a| format!("{a:?}")).collect();
                    format!("{table} = [{}]", actions.join(", "))
                })
                .collect();
            entry.push_str(&format!("dynamodb = {{ {} }}\n", tables.join(", ")));
        }
        entry
    }

    fn access_type(&self) -> &'static str {
        ACCESS_KINDS.iter().find(|(kind, _)| *kind == self.access).map(|(_, ty)| *ty).unwrap_or("Public")
    }

    fn handler_source(&self) -> String {
        let ty = pascal(&self.name);
        let access = self.access_type();
        let (caller, data) = match self.access.as_str() {
            "public" => ("_caller", format!("json!({{ \"route\": {:?} }})", self.name)),
            "self-or-admin" => {
                ("access", format!("json!({{ \"route\": {:?}, \"user_id\": access.user_id }})", self.name))
            }
            _ => ("caller", format!("json!({{ \"route\": {:?}, \"user_id\": caller.user_id }})", self.name)),
        };
        format!(
            r#"//! `{method} {path}`: {summary}.

use lambda_http::Request;
use serde_json::json;
use shared::access::{access};
use shared::config::ConfigError;
use shared::http::Reply;
use shared::{{ApiResult, InitContext, Route}};

/// What the route needs, built once per cold start (repositories come from
/// `ctx`, e.g. `ctx.users_repo().await?`).
pub struct {ty} {{}}

impl Route for {ty} {{
    type Caller = {access};

    async fn init(_ctx: &InitContext) -> Result<Self, ConfigError> {{
        Ok(Self {{}})
    }}

    async fn handle(&self, {caller}: {access}, _req: Request) -> ApiResult<Reply> {{
        Ok(Reply::ok({data}))
    }}
}}
"#,
            method = self.method,
            path = self.path,
            summary = self.summary,
        )
    }

    fn test_name(&self) -> String {
        format!("{}_answers", self.name.replace('-', "_"))
    }

    fn test_source(&self) -> String {
        let path = self.path.replace("{id}", "{}");
        let (setup, call, token) = match self.access.as_str() {
            "public" => (String::new(), format!("{:?}.to_owned()", path), "None"),
            _ => (
                "    let session = app.user_session(\"someone\", Role::User).await;\n".to_owned(),
                if path.contains("{}") {
                    format!("format!({path:?}, session.user_id)")
                } else {
                    format!("{path:?}.to_owned()")
                },
                "Some(&session.access)",
            ),
        };
        let send = match self.method.as_str() {
            "GET" => format!("app.get(&path, {token})"),
            "DELETE" => format!("app.delete(&path, {token})"),
            "POST" => format!("app.post(&path, &json!({{}}), {token})"),
            _ => format!("app.put(&path, &json!({{}}), {token})"),
        };
        let expected = if self.access == "admin" { "403" } else { "200" };
        format!(
            r#"
/// `{method} {path}`: replace with what the route promises.
#[tokio::test]
async fn {test}() {{
    let app = spawn_app().await;
{setup}    let path = {call};

    let res = {send}.await;

    assert_eq!(res.status.as_u16(), {expected}, "body: {{}}", res.body);
}}
"#,
            method = self.method,
            path = self.path,
            test = self.test_name(),
        )
    }

    fn openapi_operation(&self) -> String {
        let operation_id = {
            let pascal = pascal(&self.name);
            let mut chars = pascal.chars();
            chars.next().map(|c| c.to_ascii_lowercase().to_string() + chars.as_str()).unwrap_or_default()
        };
        let tag = self.module().0.unwrap_or_else(|| self.name.clone());
        let mut out = format!(
            "    {}:\n      operationId: {operation_id}\n      tags: [{tag}]\n      summary: {:?}\n      x-access: {}\n",
            self.method.to_ascii_lowercase(),
            self.summary,
            self.access
        );
        if self.access == "public" {
            out.push_str("      security: []\n");
        }
        out.push_str(
            "      responses:\n        \"200\":\n          description: Done.\n          content:\n            \
             application/json:\n              schema:\n                $ref: \"#/components/schemas/SuccessEnvelope\"\n",
        );
        if self.access != "public" {
            out.push_str("        \"401\": { $ref: \"#/components/responses/Unauthorized\" }\n");
        }
        if matches!(self.access.as_str(), "admin" | "self-or-admin") {
            out.push_str("        \"403\": { $ref: \"#/components/responses/Forbidden\" }\n");
        }
        out.push_str(
            "        \"429\": { $ref: \"#/components/responses/RateLimited\" }\n        \
             \"500\": { $ref: \"#/components/responses/Internal\" }\n",
        );
        out
    }
}

fn read(root: &Path, path: &str) -> Result<String, String> {
    std::fs::read_to_string(root.join(path)).map_err(|e| format!("{path}: {e}"))
}

fn write(root: &Path, path: &Path, content: &str, changed: &mut Vec<String>) -> Result<(), String> {
    let full = root.join(path);
    if let Some(dir) = full.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(&full, content).map_err(|e| format!("{}: {e}", path.display()))?;
    changed.push(path.display().to_string());
    Ok(())
}

/// `text` with `line` added after the last line starting with `after_prefix`
/// (or at the end), unless it is there already.
fn add_line(text: &str, line: &str, after_prefix: &str) -> String {
    if text.lines().any(|l| l.trim() == line) {
        return text.to_owned();
    }
    let lines: Vec<&str> = text.lines().collect();
    let at = lines.iter().rposition(|l| l.starts_with(after_prefix)).map(|i| i + 1).unwrap_or(lines.len());
    let mut out: Vec<&str> = lines[..at].to_vec();
    out.push(line);
    out.extend_from_slice(&lines[at..]);
    out.join("\n") + "\n"
}

/// The openapi.yaml text with the operation added to its path (created before
/// `components:` when new).
fn add_openapi_operation(doc: &str, request: &Request) -> Result<String, String> {
    let path_line = format!("  {}:", request.path);
    let operation = request.openapi_operation();
    let lines: Vec<&str> = doc.lines().collect();
    if let Some(start) = lines.iter().position(|l| *l == path_line) {
        let method_line = format!("    {}:", request.method.to_ascii_lowercase());
        let end = lines[start + 1..]
            .iter()
            .position(|l| !l.is_empty() && !l.starts_with("    "))
            .map(|i| i + start + 1)
            .unwrap_or(lines.len());
        if lines[start..end].contains(&method_line.as_str()) {
            return Err(format!("openapi.yaml already documents {} {}", request.method, request.path));
        }
        let mut insert_at = end;
        while insert_at > start + 1 && lines[insert_at - 1].is_empty() {
            insert_at -= 1;
        }
        let mut out = lines[..insert_at].join("\n");
        out.push('\n');
        out.push_str(&operation);
        out.push_str(&lines[insert_at..].join("\n"));
        out.push('\n');
        return Ok(out);
    }
    let components = lines.iter().position(|l| *l == "components:").ok_or("openapi.yaml has no `components:`")?;
    let mut out = lines[..components].join("\n");
    out.push('\n');
    out.push_str(&format!("{path_line}\n"));
    let params: Vec<&str> =
        request.path.split('/').filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}')).collect();
    if !params.is_empty() {
        out.push_str("    parameters:\n");
        for name in params {
            out.push_str(&format!(
                "      - name: {name}\n        in: path\n        required: true\n        schema:\n          type: string\n"
            ));
        }
    }
    out.push_str(&operation);
    out.push('\n');
    out.push_str(&lines[components..].join("\n"));
    out.push('\n');
    Ok(out)
}

/// Declares the route and writes its files; returns what it wrote.
pub fn run(root: &Path, request: &Request) -> Result<Vec<String>, String> {
    // The manifest with the route added must still be valid (name, path, access, actions).
    let manifest_text = read(root, MANIFEST)?;
    let entry = request.manifest_entry();
    let new_manifest = match manifest_text.find("\n[authorizer]") {
        Some(at) => format!("{}{entry}\n{}", &manifest_text[..=at], &manifest_text[at + 1..]),
        None => format!("{manifest_text}\n{entry}"),
    };
    Manifest::parse(&new_manifest)?;

    let (domain, module) = request.module();
    let handler_file = match &domain {
        Some(domain) => PathBuf::from(format!("functions/src/{domain}/{module}.rs")),
        None => PathBuf::from(format!("functions/src/{module}.rs")),
    };
    if root.join(&handler_file).exists() {
        return Err(format!("{} exists already", handler_file.display()));
    }
    let openapi = add_openapi_operation(&read(root, "openapi.yaml")?, request)?;

    let mut changed = Vec::new();
    write(root, Path::new(MANIFEST), &new_manifest, &mut changed)?;
    write(root, &handler_file, &request.handler_source(), &mut changed)?;
    let lib = read(root, "functions/src/lib.rs")?;
    match &domain {
        Some(domain) => {
            let dir_mod = format!("functions/src/{domain}/mod.rs");
            let file_mod = format!("functions/src/{domain}.rs");
            let mod_file = if root.join(&file_mod).exists() { file_mod } else { dir_mod };
            let existing =
                std::fs::read_to_string(root.join(&mod_file)).unwrap_or_else(|_| format!("//! The {domain} routes.\n"));
            write(
                root,
                Path::new(&mod_file),
                &add_line(&existing, &format!("pub mod {module};"), "pub mod "),
                &mut changed,
            )?;
            write(
                root,
                Path::new("functions/src/lib.rs"),
                &add_line(&lib, &format!("pub mod {domain};"), "pub mod "),
                &mut changed,
            )?;
        }
        None => {
            write(
                root,
                Path::new("functions/src/lib.rs"),
                &add_line(&lib, &format!("pub mod {module};"), "pub mod "),
                &mut changed,
            )?;
        }
    }
    write(root, Path::new("openapi.yaml"), &openapi, &mut changed)?;

    let test_module = domain.clone().unwrap_or_else(|| module.clone());
    let test_file = format!("local-gateway/tests/api/{test_module}.rs");
    let test_text = match std::fs::read_to_string(root.join(&test_file)) {
        Ok(existing) => existing + &request.test_source(),
        Err(_) => format!(
            "//! The {test_module} routes through the local gateway.\n\n#[allow(unused_imports)]\nuse serde_json::json;\n#[allow(unused_imports)]\nuse shared::domain::Role;\n\nuse crate::helpers::spawn_app;\n{}",
            request.test_source()
        ),
    };
    write(root, Path::new(&test_file), &test_text, &mut changed)?;
    let tests_main = read(root, "local-gateway/tests/api/main.rs")?;
    write(
        root,
        Path::new("local-gateway/tests/api/main.rs"),
        &add_line(&tests_main, &format!("mod {test_module};"), "mod "),
        &mut changed,
    )?;

    changed.extend(crate::generate::write(root)?);
    changed.sort();
    changed.dedup();
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &[&str]) -> Vec<String> {
        text.iter().map(|s| s.to_string()).collect()
    }

    /// A scratch copy of what new-route reads and writes.
    fn scratch() -> PathBuf {
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let dir = std::env::temp_dir().join(format!("xtask-new-route-{}-{}", std::process::id(), rand_suffix()));
        for file in [
            MANIFEST,
            "template.yaml",
            "openapi.yaml",
            "functions/src/lib.rs",
            "local-gateway/tests/api/main.rs",
            "functions/src/users/mod.rs",
            "functions/Cargo.toml",
        ] {
            let to = dir.join(file);
            std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
            std::fs::copy(source.join(file), &to).expect("copy");
        }
        std::fs::create_dir_all(dir.join(crate::generate::BIN_DIR)).expect("bin dir");
        dir
    }

    fn rand_suffix() -> u128 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
    }

    #[test]
    fn parses_its_arguments() {
        let request =
            Request::parse(&args(&["cart-get", "get", "/cart", "user", "--dynamodb", "carts=GetItem,Query:*"]))
                .expect("parses");
        assert_eq!(request.method, "GET");
        assert_eq!(request.dynamodb, vec![("carts".to_owned(), vec!["GetItem".to_owned(), "Query:*".to_owned()])]);
        assert_eq!(request.handler_path(), "cart::get::CartGet");
        assert!(Request::parse(&args(&["cart-get", "GET"])).is_err());
        assert!(Request::parse(&args(&["cart-get", "GET", "/cart", "user", "--colour"])).is_err());
    }

    #[test]
    fn writes_the_route_in_every_place_and_refuses_it_twice() {
        let root = scratch();
        let request = Request::parse(&args(&[
            "users-ping",
            "GET",
            "/users/{id}/ping",
            "self-or-admin",
            "--summary",
            "a toy",
            "--dynamodb",
            "users=GetItem",
        ]))
        .expect("parses");

        let changed = run(&root, &request).expect("new-route runs");

        let read = |path: &str| std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(changed.contains(&"functions/src/users/ping.rs".to_owned()), "{changed:?}");
        let manifest = Manifest::parse(&read(MANIFEST)).expect("the manifest stays valid");
        let route = manifest.routes.iter().find(|r| r.name == "users-ping").expect("declared");
        assert_eq!((route.access.as_str(), route.handler.as_str()), ("self-or-admin", "users::ping::UsersPing"));
        assert!(read("functions/src/users/ping.rs").contains("type Caller = SelfOrAdmin;"));
        assert!(read("functions/src/users/mod.rs").contains("pub mod ping;"));
        assert!(read("functions/src/bin/users-ping.rs").contains("functions::routes::USERS_PING"));
        assert!(read("functions/src/routes.rs")
            .contains("declared_access::<crate::users::ping::UsersPing, SelfOrAdmin>();"));
        let template = read("template.yaml");
        assert!(template.contains("  UsersPingFunction:\n") && template.contains("Path: /users/{id}/ping\n"));
        let openapi = read("openapi.yaml");
        assert!(openapi.contains("  /users/{id}/ping:\n") && openapi.contains("x-access: self-or-admin"));
        assert!(!read(MANIFEST).contains("\n\n\n"), "no doubled blank lines in the manifest");
        assert!(read("local-gateway/tests/api/users.rs").contains("async fn users_ping_answers()"));
        assert!(read("local-gateway/tests/api/main.rs").contains("mod users;"));
        assert!(crate::generate::stale(&root).expect("stale check").is_empty());

        let again = run(&root, &request).expect_err("a second declaration is refused");
        assert!(again.contains("declared twice"), "{again}");
        std::fs::remove_dir_all(root).ok();
    }

    #[test]
    fn a_second_method_joins_an_existing_openapi_path() {
        let doc = "paths:\n  /cart:\n    get:\n      x: 1\n\n  /other:\n    get: {}\ncomponents:\n  x: 1\n";
        let request = Request::parse(&args(&["cart-clear", "DELETE", "/cart", "user"])).expect("parses");
        let out = add_openapi_operation(doc, &request).expect("adds");
        let at_cart = out.find("  /cart:").expect("cart");
        let at_delete = out.find("    delete:").expect("delete");
        let at_other = out.find("  /other:").expect("other");
        assert!(at_cart < at_delete && at_delete < at_other, "{out}");
        assert!(add_openapi_operation(&out, &request).is_err());
    }

    #[test]
    fn a_new_path_declares_every_path_parameter() {
        let doc = "paths:\n  /a:\n    get: {}\ncomponents:\n  x: 1\n";
        let request = Request::parse(&args(&["cart-put-item", "PUT", "/cart/{cart_id}/items/{product_id}", "user"]))
            .expect("parses");
        let out = add_openapi_operation(doc, &request).expect("adds");
        assert!(out.contains("      - name: cart_id\n        in: path\n        required: true\n"), "{out}");
        assert!(out.contains("      - name: product_id\n        in: path\n        required: true\n"), "{out}");
    }
}
