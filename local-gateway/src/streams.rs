//! The template's DynamoDB event source mappings, run locally against
//! DynamoDB Local's Streams API — what Lambda's stream pollers do on AWS.
//!
//! For each `Type: DynamoDB` event of a function (template.yaml), a poller
//! reads every shard of the table's stream and invokes the function in
//! process with the event AWS sends (`{"Records": [...]}`, each record as
//! `GetRecords` returns it plus `eventSourceARN` and `awsRegion`), honouring
//! the mapping's settings:
//!
//! - `BatchSize`: at most that many records per invocation;
//! - `FunctionResponseTypes: [ReportBatchItemFailures]`: the records before
//!   the first reported `itemIdentifier` count as processed, the rest is retried;
//! - `BisectBatchOnFunctionError`: a failing batch is split in two and each
//!   half retried, until the failing record is alone;
//! - `MaximumRetryAttempts`: then the record goes to the dead-letter folder
//!   (`<state>/dead-letter/<function>/`, one JSON file per record with the
//!   error), the local stand-in for the SQS on-failure destination, and the
//!   shard moves on;
//! - `StartingPosition` for a shard never read before.
//!
//! Progress is checkpointed per shard (`<state>/streams/<function>/<table>/<shard>`,
//! the last sequence number processed) after each batch, so a restarted
//! gateway resumes after it: nothing is lost, and at most the batch in flight
//! when it died is delivered again — which the consumers are built to absorb
//! (idempotent), as on AWS, where delivery is also at least once.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use shared::route::DynEventHandler;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::template::StreamSourceSpec;
use crate::BoxError;

/// How long an idle poller waits before asking for new records.
pub const IDLE_POLL: Duration = Duration::from_millis(100);
/// How often the stream's shards are listed again.
const DESCRIBE_EVERY: Duration = Duration::from_secs(1);

/// DynamoDB Local's Streams API (JSON over HTTP, like DynamoDB's own): it
/// accepts any well-formed credentials.
#[derive(Clone)]
pub struct StreamsApi {
    http: reqwest::Client,
    endpoint: String,
}

impl StreamsApi {
    pub fn new(endpoint: impl Into<String>) -> Self {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap_or_default();
        Self { http, endpoint: endpoint.into() }
    }

    async fn call(&self, operation: &str, body: Value) -> Result<Value, BoxError> {
        let response = self
            .http
            .post(&self.endpoint)
            .header("content-type", "application/x-amz-json-1.0")
            .header("x-amz-target", format!("DynamoDBStreams_20120810.{operation}"))
            .header(
                "authorization",
                "AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/dynamodb/aws4_request, \
                 SignedHeaders=host, Signature=0",
            )
            .json(&body)
            .send()
            .await?;
        let status = response.status();
        let body: Value = response.json().await?;
        if !status.is_success() {
            return Err(format!("Streams {operation}: {status}: {body}").into());
        }
        Ok(body)
    }
}

/// What the pollers measured, for benchmarks.
#[derive(Debug, Default)]
pub struct StreamStats {
    inner: Mutex<StatsInner>,
}

#[derive(Debug, Default, Clone)]
pub struct StatsInner {
    /// Records the consumers processed (or dead-lettered).
    pub records: u64,
    /// Invocations of the consumers.
    pub invocations: u64,
    /// Time spent inside the consumers.
    pub busy: Duration,
    /// Per processed record with an `updated_at` in its new image: the time
    /// from that write to the end of the invocation that processed it, in ms.
    pub lags_ms: Vec<i64>,
    pub dead_lettered: u64,
}

impl StreamStats {
    pub fn snapshot(&self) -> StatsInner {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn record(&self, f: impl FnOnce(&mut StatsInner)) {
        f(&mut self.inner.lock().unwrap_or_else(|p| p.into_inner()));
    }
}

/// One event source mapping, ready to run.
pub struct Mapping {
    pub source: StreamSourceSpec,
    pub handler: Arc<dyn DynEventHandler>,
}

/// Starts one poller per mapping; they stop when `shutdown` turns true
/// (finishing the batch in flight and its checkpoint first).
pub fn spawn(
    mappings: Vec<Mapping>,
    client: aws_sdk_dynamodb::Client,
    api: StreamsApi,
    state_dir: PathBuf,
    region: String,
    stats: Arc<StreamStats>,
    shutdown: watch::Receiver<bool>,
) -> Vec<JoinHandle<()>> {
    mappings
        .into_iter()
        .map(|mapping| {
            let poller = Poller {
                mapping,
                client: client.clone(),
                api: api.clone(),
                state_dir: state_dir.clone(),
                region: region.clone(),
                stats: stats.clone(),
                iterators: HashMap::new(),
                closed: HashSet::new(),
                described: None,
            };
            tokio::spawn(poller.run(shutdown.clone()))
        })
        .collect()
}

struct Poller {
    mapping: Mapping,
    client: aws_sdk_dynamodb::Client,
    api: StreamsApi,
    state_dir: PathBuf,
    region: String,
    stats: Arc<StreamStats>,
    /// The next iterator of each shard being read.
    iterators: HashMap<String, String>,
    /// Shards read to their end.
    closed: HashSet<String>,
    /// When the stream was last described, its ARN and shards.
    described: Option<(Instant, String, Vec<String>)>,
}

fn field<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

impl Poller {
    async fn run(mut self, mut shutdown: watch::Receiver<bool>) {
        let source = &self.mapping.source;
        tracing::info!(function = %source.binary, table = %source.table, batch_size = source.batch_size, "event source mapping started");
        while !*shutdown.borrow() {
            let pause = match self.poll_once().await {
                Ok(true) => Duration::ZERO,
                Ok(false) => IDLE_POLL,
                Err(error) => {
                    tracing::warn!(function = %self.mapping.source.binary, table = %self.mapping.source.table, %error, "stream poll failed; retrying");
                    self.iterators.clear();
                    self.described = None;
                    Duration::from_secs(1)
                }
            };
            if !pause.is_zero() {
                tokio::select! {
                    _ = tokio::time::sleep(pause) => {}
                    _ = shutdown.changed() => {}
                }
            }
        }
    }

    fn checkpoint_path(&self, shard: &str) -> PathBuf {
        let source = &self.mapping.source;
        self.state_dir.join("streams").join(&source.binary).join(&source.table).join(shard)
    }

    /// The table's stream and its shards, described again at most once a
    /// second (new shards appear as old ones close).
    async fn topology(&mut self) -> Result<Option<(String, Vec<String>)>, BoxError> {
        if let Some((at, arn, shards)) = &self.described {
            if at.elapsed() < DESCRIBE_EVERY {
                return Ok(Some((arn.clone(), shards.clone())));
            }
        }
        let table = self.client.describe_table().table_name(&self.mapping.source.table).send().await?;
        let Some(stream_arn) = table.table().and_then(|t| t.latest_stream_arn()).map(str::to_owned) else {
            return Ok(None);
        };
        let described = self.api.call("DescribeStream", json!({"StreamArn": stream_arn})).await?;
        let mut shards: Vec<String> = described["StreamDescription"]["Shards"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| field(s, "ShardId").map(str::to_owned))
            .collect();
        // Shard ids grow with creation time: parents before their children.
        shards.sort();
        self.described = Some((Instant::now(), stream_arn.clone(), shards.clone()));
        Ok(Some((stream_arn, shards)))
    }

    /// Reads one batch from every open shard; `true` if any had records.
    async fn poll_once(&mut self) -> Result<bool, BoxError> {
        let Some((stream_arn, shards)) = self.topology().await? else { return Ok(false) };
        let shards: Vec<String> = shards.into_iter().filter(|id| !self.closed.contains(id)).collect();
        let mut busy = false;
        for shard in shards {
            let iterator = match self.iterators.remove(&shard) {
                Some(iterator) => iterator,
                None => self.first_iterator(&stream_arn, &shard).await?,
            };
            let request = json!({"ShardIterator": iterator, "Limit": self.mapping.source.batch_size});
            let out = match self.api.call("GetRecords", request).await {
                Ok(out) => out,
                Err(error) if error.to_string().contains("TrimmedDataAccessException") => {
                    self.restart_at_trim_horizon(&shard);
                    continue;
                }
                Err(error) => return Err(error),
            };
            let records: Vec<Value> = out["Records"].as_array().cloned().unwrap_or_default();
            if !records.is_empty() {
                busy = true;
                let last = records.last().and_then(|r| r["dynamodb"]["SequenceNumber"].as_str()).map(str::to_owned);
                self.deliver(&stream_arn, &shard, records).await?;
                if let Some(last) = last {
                    write_atomically(&self.checkpoint_path(&shard), last.as_bytes())?;
                }
            }
            match field(&out, "NextShardIterator") {
                Some(next) => {
                    self.iterators.insert(shard, next.to_owned());
                }
                None => {
                    self.closed.insert(shard);
                }
            }
        }
        Ok(busy)
    }

    /// The shard's iterator points before the oldest record the stream keeps:
    /// a checkpoint older than the stream's retention (24 hours: a gateway
    /// stopped that long), or DynamoDB Local's answer for a brand-new shard.
    /// Like Lambda, go on from the oldest record still kept (the consumer
    /// absorbs what it sees again); what was trimmed is gone, and said so.
    fn restart_at_trim_horizon(&self, shard: &str) {
        let source = &self.mapping.source;
        let checkpoint = self.checkpoint_path(shard);
        if checkpoint.exists() {
            tracing::error!(function = %source.binary, table = %source.table, shard,
                "the checkpoint is older than what the stream keeps: records written meanwhile were trimmed and are not delivered; going on from the oldest record kept");
            if let Err(error) = std::fs::remove_file(&checkpoint) {
                tracing::warn!(%error, path = %checkpoint.display(), "could not remove the trimmed checkpoint");
            }
        } else {
            tracing::debug!(function = %source.binary, table = %source.table, shard, "shard not readable yet; asking again");
        }
    }

    /// Where reading a shard starts: after its checkpoint, or at the mapping's
    /// starting position for a shard never read.
    async fn first_iterator(&self, stream_arn: &str, shard: &str) -> Result<String, BoxError> {
        let checkpoint = std::fs::read_to_string(self.checkpoint_path(shard)).ok();
        let request = match checkpoint.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(sequence) => json!({"StreamArn": stream_arn, "ShardId": shard,
                "ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": sequence}),
            None => json!({"StreamArn": stream_arn, "ShardId": shard,
                "ShardIteratorType": self.mapping.source.starting_position}),
        };
        let out = self.api.call("GetShardIterator", request).await?;
        field(&out, "ShardIterator").map(str::to_owned).ok_or_else(|| "GetShardIterator: no iterator".into())
    }

    /// The record as Lambda hands it to a function.
    fn as_lambda_record(&self, stream_arn: &str, mut record: Value) -> Value {
        // DynamoDB Local names its region `ddblocal`; the function sees the template's.
        let label = stream_arn.rsplit("/stream/").next().unwrap_or_default();
        let arn = format!("{}/stream/{label}", crate::template::table_arn(&self.region, &self.mapping.source.table));
        record["eventSourceARN"] = json!(arn);
        record["awsRegion"] = json!(self.region);
        record
    }

    /// Delivers `records` (one shard's, in order) with the mapping's retries,
    /// bisection and partial batch responses; what keeps failing goes to the
    /// dead-letter folder. Returns when every record is processed or dead-lettered.
    async fn deliver(&self, stream_arn: &str, shard: &str, records: Vec<Value>) -> Result<(), BoxError> {
        let source = &self.mapping.source;
        let records: Vec<Value> = records.into_iter().map(|r| self.as_lambda_record(stream_arn, r)).collect();
        let mut queue: VecDeque<(Vec<Value>, u32)> = VecDeque::from([(records, 0)]);
        while let Some((batch, retries)) = queue.pop_front() {
            let started = Instant::now();
            let result = self.mapping.handler.invoke(json!({ "Records": batch })).await;
            let elapsed = started.elapsed();
            let failed = match &result {
                Ok(output) if source.report_batch_item_failures => first_failure(&batch, output),
                Ok(_) => None,
                Err(error) => Some((0, format!("function error: {error}"))),
            };
            let done = failed.as_ref().map_or(batch.len(), |(at, _)| *at);
            self.stats.record(|stats| {
                stats.invocations += 1;
                stats.busy += elapsed;
                stats.records += done as u64;
                let now = shared::clock::Now::read().unix_millis();
                for record in &batch[..done] {
                    if let Some(at) = record["dynamodb"]["NewImage"]["updated_at"]["S"].as_str().and_then(unix_millis) {
                        stats.lags_ms.push(now - at);
                    }
                }
            });
            let Some((at, error)) = failed else { continue };
            let rest = batch[at..].to_vec();
            tracing::warn!(function = %source.binary, shard, records = rest.len(), retries, %error, "batch failed");
            if source.bisect_on_error && rest.len() > 1 {
                let second = rest[rest.len() / 2..].to_vec();
                let first = rest[..rest.len() / 2].to_vec();
                queue.push_front((second, retries));
                queue.push_front((first, retries));
            } else if source.maximum_retry_attempts.is_none_or(|max| retries < max) {
                tokio::time::sleep(Duration::from_millis(50 << retries.min(4))).await;
                queue.push_front((rest, retries + 1));
            } else {
                for record in &rest {
                    self.dead_letter(shard, record, &error, retries)?;
                }
                self.stats.record(|stats| {
                    stats.records += rest.len() as u64;
                    stats.dead_lettered += rest.len() as u64;
                });
            }
        }
        Ok(())
    }

    /// Writes a record that kept failing to the dead-letter folder. (On AWS
    /// the SQS destination receives the record's stream coordinates; here the
    /// record itself is kept too, so it can be read without the stream.)
    fn dead_letter(&self, shard: &str, record: &Value, error: &str, retries: u32) -> Result<(), BoxError> {
        let source = &self.mapping.source;
        let sequence = record["dynamodb"]["SequenceNumber"].as_str().unwrap_or("unknown");
        let path =
            self.state_dir.join("dead-letter").join(&source.binary).join(format!("{}-{sequence}.json", source.table));
        let entry = json!({
            "function": source.binary,
            "destination": source.on_failure,
            "table": source.table,
            "shard": shard,
            "sequence_number": sequence,
            "error": error,
            "retries": retries,
            "failed_at": shared::clock::Now::read().rfc3339(),
            "record": record,
        });
        write_atomically(&path, serde_json::to_string_pretty(&entry)?.as_bytes())?;
        tracing::error!(function = %source.binary, table = %source.table, sequence, file = %path.display(), %error, "record dead-lettered after every retry");
        Ok(())
    }
}

/// The position in `batch` of the first record the function reported failed,
/// with why. An identifier that names no record of the batch (or is empty)
/// fails the whole batch, as on AWS.
fn first_failure(batch: &[Value], output: &Value) -> Option<(usize, String)> {
    let failures = output.get("batchItemFailures").and_then(Value::as_array)?;
    let positions = failures.iter().map(|f| {
        f.get("itemIdentifier")
            .and_then(Value::as_str)
            .and_then(|id| batch.iter().position(|r| r["dynamodb"]["SequenceNumber"].as_str() == Some(id)))
            .unwrap_or(0)
    });
    positions.min().map(|at| (at, "reported in batchItemFailures".to_owned()))
}

fn unix_millis(rfc3339: &str) -> Option<i64> {
    let parsed = time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339).ok()?;
    Some((parsed.unix_timestamp_nanos() / 1_000_000) as i64)
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), BoxError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let partial = path.with_extension("partial");
    std::fs::write(&partial, bytes)?;
    std::fs::rename(&partial, path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reported_failure_names_a_position_and_a_bad_identifier_fails_everything() {
        let batch: Vec<Value> = ["1", "2", "3"].iter().map(|s| json!({"dynamodb": {"SequenceNumber": s}})).collect();
        assert_eq!(first_failure(&batch, &json!({"batchItemFailures": []})), None);
        let one = json!({"batchItemFailures": [{"itemIdentifier": "3"}, {"itemIdentifier": "2"}]});
        assert_eq!(first_failure(&batch, &one).map(|(at, _)| at), Some(1));
        let bad = json!({"batchItemFailures": [{"itemIdentifier": "9"}]});
        assert_eq!(first_failure(&batch, &bad).map(|(at, _)| at), Some(0));
        assert_eq!(unix_millis("1970-01-01T00:00:01.500Z"), Some(1_500));
    }
}
