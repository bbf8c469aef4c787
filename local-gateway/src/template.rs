//! Reads `template.yaml`, the single source of truth for routes, authorization,
//! gateway responses, tables and each function's environment.
//!
//! Only the subset of CloudFormation the template uses is understood: `!Ref` to
//! parameters, tables and pseudo parameters, and `!Sub` with `${...}` names.
//! What only matters on AWS (log groups, tracing, the secret) is ignored.

use std::collections::{BTreeMap, HashMap};

use serde_norway::Value;

/// The template, compiled into the gateway so routes cannot differ from it.
pub const TEMPLATE_YAML: &str = include_str!("../../template.yaml");

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("template.yaml is not valid YAML: {0}")]
    Yaml(#[from] serde_norway::Error),
    #[error("template.yaml: {0}")]
    Invalid(String),
}

/// The ARN a DynamoDB table of this local "account" has.
pub fn table_arn(region: &str, table: &str) -> String {
    format!("arn:aws:dynamodb:{region}:000000000000:table/{table}")
}

fn invalid(message: impl Into<String>) -> TemplateError {
    TemplateError::Invalid(message.into())
}

/// One API route served by one function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteSpec {
    pub function: String,
    pub binary: String,
    pub method: String,
    pub path: String,
    /// Whether the API's default (JWT) authorizer guards the route.
    pub authorized: bool,
}

/// The API's REQUEST authorizer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizerSpec {
    pub function: String,
    pub binary: String,
    pub identity_header: String,
    pub cache_ttl_secs: u64,
}

/// A response API Gateway produces itself (`GatewayResponses`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayResponse {
    pub status: u16,
    pub body: String,
    pub headers: Vec<(String, String)>,
}

/// The API's `Cors` setting: what a browser's preflight `OPTIONS` gets back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorsSpec {
    pub allow_origin: String,
    pub allow_headers: Option<String>,
    pub allow_methods: Option<String>,
    pub max_age: Option<String>,
}

impl CorsSpec {
    /// The headers of a preflight answer, as API Gateway's mock integration sends them.
    pub fn preflight_headers(&self) -> Vec<(String, String)> {
        [
            ("Access-Control-Allow-Origin", Some(&self.allow_origin)),
            ("Access-Control-Allow-Headers", self.allow_headers.as_ref()),
            ("Access-Control-Allow-Methods", self.allow_methods.as_ref()),
            ("Access-Control-Max-Age", self.max_age.as_ref()),
        ]
        .into_iter()
        .filter_map(|(name, value)| Some((name.to_owned(), value?.clone())))
        .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyElement {
    pub attribute: String,
    pub key_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexSpec {
    pub name: String,
    pub keys: Vec<KeyElement>,
    pub projection: String,
}

/// A DynamoDB table as the template defines it, with its name resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSpec {
    pub logical_id: String,
    pub name: String,
    pub attributes: BTreeMap<String, String>,
    pub keys: Vec<KeyElement>,
    pub indexes: Vec<IndexSpec>,
    pub ttl_attribute: Option<String>,
    /// `StreamSpecification.StreamViewType`, when the table has a stream.
    pub stream_view_type: Option<String>,
}

/// A DynamoDB event source mapping (`Events: {Type: DynamoDB}` of a function).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamSourceSpec {
    pub function: String,
    pub binary: String,
    /// The logical id and resolved name of the table whose stream feeds it.
    pub table_logical_id: String,
    pub table: String,
    /// `TRIM_HORIZON` or `LATEST`.
    pub starting_position: String,
    pub batch_size: usize,
    /// `None`: retry until the records expire (AWS's -1).
    pub maximum_retry_attempts: Option<u32>,
    pub bisect_on_error: bool,
    pub report_batch_item_failures: bool,
    /// The on-failure destination's logical id, if any.
    pub on_failure: Option<String>,
}

/// A function: its binary, environment and IAM policy statements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionSpec {
    pub logical_id: String,
    pub binary: String,
    pub environment: BTreeMap<String, String>,
    /// The `Statement`s of its `Policies`, resources resolved to ARNs.
    pub policy: Vec<PolicyStatement>,
}

/// One statement of a function's policy (`Effect`, `Action`, `Resource`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyStatement {
    pub allow: bool,
    pub actions: Vec<String>,
    pub resources: Vec<String>,
}

/// The template, resolved for one local "stack".
#[derive(Debug, Clone)]
pub struct Template {
    pub routes: Vec<RouteSpec>,
    pub authorizer: Option<AuthorizerSpec>,
    pub functions: Vec<FunctionSpec>,
    pub tables: Vec<TableSpec>,
    pub stream_sources: Vec<StreamSourceSpec>,
    pub gateway_responses: HashMap<String, GatewayResponse>,
    /// `None` when the API has no `Cors` setting (no preflight answers).
    pub cors: Option<CorsSpec>,
    pub stage: String,
}

struct Resolver<'a> {
    resources: &'a serde_norway::Mapping,
    params: HashMap<String, String>,
    stack_name: &'a str,
    region: &'a str,
}

fn tag_name(tagged: &serde_norway::value::TaggedValue) -> String {
    tagged.tag.to_string().trim_start_matches('!').to_owned()
}

fn get<'v>(value: &'v Value, key: &str) -> Option<&'v Value> {
    value.as_mapping().and_then(|m| m.get(key))
}

impl Resolver<'_> {
    fn sub(&self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[start..]);
                return out;
            };
            let name = &after[..end];
            out.push_str(&self.reference(name).unwrap_or_else(|| format!("${{{name}}}")));
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        out
    }

    fn reference(&self, name: &str) -> Option<String> {
        match name {
            "AWS::StackName" => return Some(self.stack_name.to_owned()),
            "AWS::Region" => return Some(self.region.to_owned()),
            "AWS::AccountId" => return Some("000000000000".to_owned()),
            "AWS::URLSuffix" => return Some("amazonaws.com".to_owned()),
            "AWS::Partition" => return Some("aws".to_owned()),
            _ => {}
        }
        if let Some(value) = self.params.get(name) {
            return Some(value.clone());
        }
        if let Some(table) = name.strip_suffix(".Arn") {
            return self.table_arn(table);
        }
        let resource = self.resources.get(name)?;
        if get(resource, "Type")?.as_str()? == "AWS::DynamoDB::Table" {
            return self.resolve(get(get(resource, "Properties")?, "TableName")?);
        }
        None
    }

    /// `arn:aws:dynamodb:<region>:<account>:table/<name>` of a table resource.
    fn table_arn(&self, logical_id: &str) -> Option<String> {
        let resource = self.resources.get(logical_id)?;
        if get(resource, "Type")?.as_str()? != "AWS::DynamoDB::Table" {
            return None;
        }
        let name = self.resolve(get(get(resource, "Properties")?, "TableName")?)?;
        Some(table_arn(self.region, &name))
    }

    /// A scalar's value, or `None` for what only exists in AWS (`!GetAtt`, ...).
    fn resolve(&self, value: &Value) -> Option<String> {
        match value {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Tagged(tagged) => match (tag_name(tagged).as_str(), &tagged.value) {
                ("Ref", Value::String(name)) => self.reference(name),
                ("Sub", Value::String(text)) => Some(self.sub(text)),
                ("GetAtt", Value::String(path)) => path.strip_suffix(".Arn").and_then(|id| self.table_arn(id)),
                _ => None,
            },
            _ => None,
        }
    }
}

impl Template {
    /// Parses and resolves the compiled-in template for a stack named `stack_name`.
    pub fn load(stack_name: &str, region: &str) -> Result<Self, TemplateError> {
        Self::parse(TEMPLATE_YAML, stack_name, region)
    }

    /// Like [`Template::load`], with parameter values other than the defaults
    /// (`sam deploy --parameter-overrides`). An unknown parameter is an error.
    pub fn load_with(stack_name: &str, region: &str, parameters: &[(String, String)]) -> Result<Self, TemplateError> {
        Self::parse_with(TEMPLATE_YAML, stack_name, region, parameters)
    }

    pub fn parse(yaml: &str, stack_name: &str, region: &str) -> Result<Self, TemplateError> {
        Self::parse_with(yaml, stack_name, region, &[])
    }

    pub fn parse_with(
        yaml: &str,
        stack_name: &str,
        region: &str,
        overrides: &[(String, String)],
    ) -> Result<Self, TemplateError> {
        let doc: Value = serde_norway::from_str(yaml)?;
        let resources = get(&doc, "Resources").and_then(Value::as_mapping).ok_or_else(|| invalid("no Resources"))?;
        let mut params = HashMap::new();
        if let Some(parameters) = get(&doc, "Parameters").and_then(Value::as_mapping) {
            for (name, spec) in parameters {
                if let (Some(name), Some(default)) = (name.as_str(), get(spec, "Default")) {
                    let default = match default {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        Value::Bool(b) => b.to_string(),
                        _ => continue,
                    };
                    params.insert(name.to_owned(), default);
                }
            }
        }
        for (name, value) in overrides {
            if !params.contains_key(name) {
                return Err(invalid(format!("no parameter {name} with a default to override")));
            }
            params.insert(name.clone(), value.clone());
        }
        let resolver = Resolver { resources, params, stack_name, region };

        let global_env = get(&doc, "Globals")
            .and_then(|g| get(g, "Function"))
            .and_then(|f| get(f, "Environment"))
            .and_then(|e| get(e, "Variables"));

        let mut functions = Vec::new();
        let mut routes = Vec::new();
        let mut api = None;
        let mut tables = Vec::new();
        let mut stream_sources = Vec::new();
        for (id, resource) in resources {
            let id = id.as_str().ok_or_else(|| invalid("non-string resource id"))?.to_owned();
            let kind = get(resource, "Type").and_then(Value::as_str).unwrap_or_default();
            let props = get(resource, "Properties");
            match kind {
                "AWS::Serverless::Function" => {
                    let binary = get(resource, "Metadata")
                        .and_then(|m| get(m, "BuildProperties"))
                        .and_then(|b| get(b, "Binary"))
                        .and_then(Value::as_str)
                        .ok_or_else(|| invalid(format!("{id}: Metadata.BuildProperties.Binary is required")))?
                        .to_owned();
                    let mut environment = BTreeMap::new();
                    let own_env = props.and_then(|p| get(p, "Environment")).and_then(|e| get(e, "Variables"));
                    for vars in [global_env, own_env].into_iter().flatten() {
                        for (key, value) in vars.as_mapping().into_iter().flatten() {
                            if let (Some(key), Some(value)) = (key.as_str(), resolver.resolve(value)) {
                                environment.insert(key.to_owned(), value);
                            }
                        }
                    }
                    for (_, event) in
                        props.and_then(|p| get(p, "Events")).and_then(Value::as_mapping).into_iter().flatten()
                    {
                        if get(event, "Type").and_then(Value::as_str) == Some("DynamoDB") {
                            stream_sources.push(stream_source(&id, &binary, event, &resolver)?);
                            continue;
                        }
                        if get(event, "Type").and_then(Value::as_str) != Some("Api") {
                            continue;
                        }
                        let event_props = get(event, "Properties")
                            .ok_or_else(|| invalid(format!("{id}: event without Properties")))?;
                        let field = |name: &str| {
                            get(event_props, name)
                                .and_then(Value::as_str)
                                .map(str::to_owned)
                                .ok_or_else(|| invalid(format!("{id}: Api event without {name}")))
                        };
                        let authorizer =
                            get(event_props, "Auth").and_then(|a| get(a, "Authorizer")).and_then(Value::as_str);
                        routes.push(RouteSpec {
                            function: id.clone(),
                            binary: binary.clone(),
                            method: field("Method")?.to_ascii_uppercase(),
                            path: field("Path")?,
                            authorized: authorizer != Some("NONE"),
                        });
                    }
                    let policy = policy_statements(&id, props, &resolver)?;
                    functions.push(FunctionSpec { logical_id: id, binary, environment, policy });
                }
                "AWS::Serverless::Api" => api = Some((id, props.cloned().unwrap_or(Value::Null))),
                "AWS::DynamoDB::Table" => {
                    let props = props.ok_or_else(|| invalid(format!("{id}: no Properties")))?;
                    tables.push(table_spec(&id, props, &resolver)?);
                }
                _ => {}
            }
        }

        let (_, api) = api.ok_or_else(|| invalid("no AWS::Serverless::Api resource"))?;
        let stage = get(&api, "StageName").and_then(|v| resolver.resolve(v)).unwrap_or_else(|| "v1".into());
        let gateway_responses = get(&api, "GatewayResponses")
            .and_then(Value::as_mapping)
            .into_iter()
            .flatten()
            .filter_map(|(kind, spec)| Some((kind.as_str()?.to_owned(), gateway_response(spec, &resolver)?)))
            .collect();
        let cors = cors_spec(&api, &resolver);
        let authorizer = api_authorizer(&api, &functions, &resolver)?;
        if authorizer.is_none() && routes.iter().any(|r| r.authorized) {
            return Err(invalid("routes need an authorizer but the Api has no DefaultAuthorizer"));
        }
        for source in &mut stream_sources {
            let table = tables.iter().find(|t| t.logical_id == source.table_logical_id).ok_or_else(|| {
                invalid(format!("{}: its stream's table {} is not defined", source.function, source.table_logical_id))
            })?;
            if table.stream_view_type.is_none() {
                return Err(invalid(format!("{}: {} has no StreamSpecification", source.function, table.logical_id)));
            }
            source.table = table.name.clone();
        }
        Ok(Self { routes, authorizer, functions, tables, stream_sources, gateway_responses, cors, stage })
    }

    pub fn function(&self, logical_id: &str) -> Option<&FunctionSpec> {
        self.functions.iter().find(|f| f.logical_id == logical_id)
    }
}

fn api_authorizer(
    api: &Value,
    functions: &[FunctionSpec],
    resolver: &Resolver<'_>,
) -> Result<Option<AuthorizerSpec>, TemplateError> {
    let Some(auth) = get(api, "Auth") else { return Ok(None) };
    let Some(default) = get(auth, "DefaultAuthorizer").and_then(Value::as_str) else { return Ok(None) };
    let spec = get(auth, "Authorizers")
        .and_then(|a| get(a, default))
        .ok_or_else(|| invalid(format!("DefaultAuthorizer {default} is not defined")))?;
    let function = match get(spec, "FunctionArn") {
        Some(Value::Tagged(tagged)) if tag_name(tagged) == "GetAtt" => {
            tagged.value.as_str().and_then(|s| s.strip_suffix(".Arn")).map(str::to_owned)
        }
        _ => None,
    }
    .ok_or_else(|| invalid("the authorizer's FunctionArn must be !GetAtt <Function>.Arn"))?;
    let binary = functions
        .iter()
        .find(|f| f.logical_id == function)
        .map(|f| f.binary.clone())
        .ok_or_else(|| invalid(format!("authorizer function {function} is not defined")))?;
    let identity = get(spec, "Identity");
    let identity_header = identity
        .and_then(|i| get(i, "Headers"))
        .and_then(Value::as_sequence)
        .and_then(|h| h.first())
        .and_then(Value::as_str)
        .unwrap_or("Authorization")
        .to_owned();
    let cache_ttl_secs = identity
        .and_then(|i| get(i, "ReauthorizeEvery"))
        .and_then(|v| resolver.resolve(v))
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    Ok(Some(AuthorizerSpec { function, binary, identity_header, cache_ttl_secs }))
}

/// A static header value in API Gateway mapping syntax (`"'value'"`), resolved.
/// The statements of a function's inline `Policies` (SAM policy templates and
/// managed policy names are not used by this template and are refused).
fn policy_statements(
    id: &str,
    props: Option<&Value>,
    resolver: &Resolver<'_>,
) -> Result<Vec<PolicyStatement>, TemplateError> {
    fn list(value: Option<&Value>) -> Vec<&Value> {
        match value {
            Some(Value::Sequence(items)) => items.iter().collect(),
            Some(other) => vec![other],
            None => Vec::new(),
        }
    }
    let mut statements = Vec::new();
    for policy in list(props.and_then(|p| get(p, "Policies"))) {
        let Some(policy_statements) = get(policy, "Statement") else {
            return Err(invalid(format!("{id}: only inline policies with a Statement are understood")));
        };
        for statement in list(Some(policy_statements)) {
            let text = |value: &Value| {
                resolver.resolve(value).ok_or_else(|| invalid(format!("{id}: cannot resolve {value:?} in a policy")))
            };
            statements.push(PolicyStatement {
                allow: get(statement, "Effect").and_then(Value::as_str) == Some("Allow"),
                actions: list(get(statement, "Action")).into_iter().map(text).collect::<Result<_, _>>()?,
                resources: list(get(statement, "Resource")).into_iter().map(text).collect::<Result<_, _>>()?,
            });
        }
    }
    Ok(statements)
}

/// A function's `Type: DynamoDB` event: `Stream: !GetAtt <Table>.StreamArn` and
/// the mapping's settings, with AWS's defaults where the template is silent.
fn stream_source(
    id: &str,
    binary: &str,
    event: &Value,
    resolver: &Resolver<'_>,
) -> Result<StreamSourceSpec, TemplateError> {
    let props = get(event, "Properties").ok_or_else(|| invalid(format!("{id}: DynamoDB event without Properties")))?;
    let table_logical_id = match get(props, "Stream") {
        Some(Value::Tagged(tagged)) if tag_name(tagged) == "GetAtt" => {
            tagged.value.as_str().and_then(|s| s.strip_suffix(".StreamArn")).map(str::to_owned)
        }
        _ => None,
    }
    .ok_or_else(|| invalid(format!("{id}: a DynamoDB event's Stream must be !GetAtt <Table>.StreamArn")))?;
    let number = |name: &str| get(props, name).and_then(|v| resolver.resolve(v)).and_then(|v| v.parse::<i64>().ok());
    let flag = |name: &str| get(props, name).and_then(|v| resolver.resolve(v)).is_some_and(|v| v == "true");
    let response_types = get(props, "FunctionResponseTypes").and_then(Value::as_sequence);
    let on_failure = get(props, "DestinationConfig")
        .and_then(|d| get(d, "OnFailure"))
        .and_then(|f| get(f, "Destination"))
        .and_then(|d| match d {
            Value::Tagged(tagged) if tag_name(tagged) == "GetAtt" => {
                tagged.value.as_str().and_then(|s| s.strip_suffix(".Arn")).map(str::to_owned)
            }
            _ => None,
        });
    Ok(StreamSourceSpec {
        function: id.to_owned(),
        binary: binary.to_owned(),
        table_logical_id,
        table: String::new(),
        starting_position: get(props, "StartingPosition")
            .and_then(|v| resolver.resolve(v))
            .unwrap_or_else(|| "TRIM_HORIZON".to_owned()),
        batch_size: number("BatchSize").unwrap_or(100).clamp(1, 10_000) as usize,
        maximum_retry_attempts: number("MaximumRetryAttempts").filter(|n| *n >= 0).map(|n| n as u32),
        bisect_on_error: flag("BisectBatchOnFunctionError"),
        report_batch_item_failures: response_types
            .is_some_and(|types| types.iter().any(|t| t.as_str() == Some("ReportBatchItemFailures"))),
        on_failure,
    })
}

fn quoted(value: &Value, resolver: &Resolver<'_>) -> Option<String> {
    Some(resolver.resolve(value)?.trim_matches('\'').to_owned())
}

/// `Cors: "'origin'"` or `Cors: {AllowOrigin, AllowHeaders, AllowMethods, MaxAge}`.
fn cors_spec(api: &Value, resolver: &Resolver<'_>) -> Option<CorsSpec> {
    let cors = get(api, "Cors")?;
    if get(cors, "AllowOrigin").is_none() {
        return Some(CorsSpec {
            allow_origin: quoted(cors, resolver)?,
            allow_headers: None,
            allow_methods: None,
            max_age: None,
        });
    }
    let field = |name: &str| get(cors, name).and_then(|v| quoted(v, resolver));
    Some(CorsSpec {
        allow_origin: field("AllowOrigin")?,
        allow_headers: field("AllowHeaders"),
        allow_methods: field("AllowMethods"),
        max_age: field("MaxAge"),
    })
}

fn gateway_response(spec: &Value, resolver: &Resolver<'_>) -> Option<GatewayResponse> {
    let status = get(spec, "StatusCode").and_then(|s| s.as_str()?.parse().ok()).unwrap_or(0);
    let body =
        get(spec, "ResponseTemplates").and_then(|t| get(t, "application/json")).and_then(Value::as_str)?.to_owned();
    let headers = get(spec, "ResponseParameters")
        .and_then(|p| get(p, "Headers"))
        .and_then(Value::as_mapping)
        .into_iter()
        .flatten()
        .filter_map(|(name, value)| Some((name.as_str()?.to_owned(), quoted(value, resolver)?)))
        .collect();
    Some(GatewayResponse { status, body, headers })
}

fn key_elements(value: Option<&Value>) -> Vec<KeyElement> {
    value
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(|k| {
            Some(KeyElement {
                attribute: get(k, "AttributeName")?.as_str()?.to_owned(),
                key_type: get(k, "KeyType")?.as_str()?.to_owned(),
            })
        })
        .collect()
}

fn table_spec(id: &str, props: &Value, resolver: &Resolver<'_>) -> Result<TableSpec, TemplateError> {
    let name = get(props, "TableName")
        .and_then(|v| resolver.resolve(v))
        .ok_or_else(|| invalid(format!("{id}: TableName is required")))?;
    let attributes = get(props, "AttributeDefinitions")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(|a| {
            Some((get(a, "AttributeName")?.as_str()?.to_owned(), get(a, "AttributeType")?.as_str()?.to_owned()))
        })
        .collect();
    let indexes = get(props, "GlobalSecondaryIndexes")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(|i| {
            Some(IndexSpec {
                name: get(i, "IndexName")?.as_str()?.to_owned(),
                keys: key_elements(get(i, "KeySchema")),
                projection: get(i, "Projection")
                    .and_then(|p| get(p, "ProjectionType"))
                    .and_then(Value::as_str)
                    .unwrap_or("ALL")
                    .to_owned(),
            })
        })
        .collect();
    let ttl_attribute = get(props, "TimeToLiveSpecification")
        .filter(|t| get(t, "Enabled").and_then(Value::as_bool).unwrap_or(false))
        .and_then(|t| get(t, "AttributeName"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let stream_view_type = get(props, "StreamSpecification")
        .and_then(|s| get(s, "StreamViewType"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok(TableSpec {
        logical_id: id.to_owned(),
        name,
        attributes,
        keys: key_elements(get(props, "KeySchema")),
        indexes,
        ttl_attribute,
        stream_view_type,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_template_resolves() {
        let template = Template::load("local", "us-east-1").expect("template parses");
        assert!(template.routes.iter().any(|r| r.path == "/health" && r.method == "GET" && !r.authorized));
        let names: Vec<_> = template.tables.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "local-auth",
                "local-users",
                "local-products",
                "local-orders",
                "local-carts",
                "local-notifications",
                "local-audit"
            ]
        );
        let streams: Vec<_> = template.stream_sources.iter().map(|s| (s.binary.as_str(), s.table.as_str())).collect();
        assert_eq!(streams, [("notifications", "local-users"), ("notifications", "local-orders")]);
        let source = &template.stream_sources[0];
        assert!(source.bisect_on_error && source.report_batch_item_failures, "{source:?}");
        assert_eq!((source.batch_size, source.maximum_retry_attempts), (25, Some(3)));
        assert_eq!(source.on_failure.as_deref(), Some("NotificationsDlq"));
        let health = template.function("HealthFunction").expect("health function");
        assert_eq!(health.environment["USERS_TABLE"], "local-users");
        assert_eq!(template.gateway_responses["MISSING_AUTHENTICATION_TOKEN"].status, 404);
        let cors = template.cors.expect("the API answers preflights");
        assert_eq!(cors.allow_origin, "*");
        let headers = cors.allow_headers.expect("allowed headers");
        for header in ["Authorization", "Content-Type", "Idempotency-Key"] {
            assert!(headers.split(',').any(|h| h.trim() == header), "{header} in {headers}");
        }
        let not_found = &template.gateway_responses["MISSING_AUTHENTICATION_TOKEN"];
        assert!(not_found.headers.contains(&("Access-Control-Allow-Origin".to_owned(), "*".to_owned())));
        let list_users = template.functions.iter().find(|f| f.binary == "users-list").expect("users-list");
        let table = |name: &str| format!("arn:aws:dynamodb:us-east-1:000000000000:table/local-{name}");
        assert_eq!(
            list_users.policy,
            [
                PolicyStatement {
                    allow: true,
                    actions: vec!["dynamodb:Query".into()],
                    resources: vec![format!("{}/index/by_username", table("users"))],
                },
                // the caller re-check every route behind the authorizer has
                PolicyStatement {
                    allow: true,
                    actions: vec!["dynamodb:BatchGetItem".into()],
                    resources: vec![table("users")],
                },
                PolicyStatement {
                    allow: true,
                    actions: vec!["dynamodb:BatchGetItem".into()],
                    resources: vec![table("auth")],
                },
            ]
        );
        let login = template.functions.iter().find(|f| f.binary == "auth-login").expect("auth-login");
        assert!(login
            .policy
            .iter()
            .any(|s| s.resources == ["arn:aws:dynamodb:us-east-1:000000000000:table/local-auth"]));
    }

    #[test]
    fn sub_and_ref_resolve_parameters_and_pseudo_parameters() {
        let yaml = r#"
Parameters:
  Name: {Type: String, Default: thing}
Resources:
  Api: {Type: AWS::Serverless::Api, Properties: {StageName: !Ref Name}}
  T:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "${AWS::StackName}-${Name}-${AWS::Region}"
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
"#;
        let template = Template::parse(yaml, "s", "eu-west-1").expect("parses");
        assert_eq!(template.tables[0].name, "s-thing-eu-west-1");
        assert_eq!(template.stage, "thing");
    }
}
